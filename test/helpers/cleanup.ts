import { killPid } from './reaper.js';
import type { Session } from '../../src/engine/session.js';

/** Releases every session of `list` (emptying it): detached, or synchronously if that fails. */
export async function releaseSessions(list: Session[]): Promise<void> {
  for (const s of list.splice(0)) {
    if (s.released) continue;
    try {
      await s.detach();
    } catch {
      s.releaseSync();
    }
  }
}

/** SIGKILLs every pid of `list` (emptying it); one already gone is fine. */
export function killPids(list: number[]): void {
  for (const pid of list.splice(0)) killPid(pid);
}
