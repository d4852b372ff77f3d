/**
 * The one registry of everything a test starts: targets, tracees, `pdbg start`ed programs,
 * faultees, jails, tmux servers, sshds. Each launcher registers what it started under its kind
 * and unregisters it when it ends; `reap(kind)` ends one kind (a file's afterEach),
 * `reapAll()` everything. test/helpers/setup.ts runs `reapAll()` after every test file, after
 * the file's own hooks, so a file that forgets to clean up leaves nothing running behind it.
 */
export type LaunchKind = 'target' | 'tracee' | 'cli-started' | 'faultee' | 'jail' | 'tmux' | 'sshd' | 'pid';

interface Entry {
  readonly kind: LaunchKind;
  readonly end: () => void;
}

const live = new Set<Entry>();

/** Registers something to end; the returned function unregisters it (it ended by itself). */
export function track(kind: LaunchKind, end: () => void): () => void {
  const e: Entry = { kind, end };
  live.add(e);
  return () => live.delete(e);
}

/** SIGKILL by pid, a process already gone being fine. */
export function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

/** Registers a bare pid (a program a script started): SIGKILLed by reap('pid') or reapAll(). */
export function trackPid(pid: number, kind: LaunchKind = 'pid'): () => void {
  return track(kind, () => killPid(pid));
}

/** Ends everything of `kind` still registered. */
export function reap(kind: LaunchKind): void {
  for (const e of [...live]) {
    if (e.kind !== kind) continue;
    live.delete(e);
    end(e);
  }
}

/** Ends everything still registered (every file's last afterAll). */
export function reapAll(): void {
  for (const e of [...live]) {
    live.delete(e);
    end(e);
  }
}

/** How many are registered (a test of the reaper itself). */
export function trackedCount(kind?: LaunchKind): number {
  return [...live].filter((e) => kind === undefined || e.kind === kind).length;
}

function end(e: Entry): void {
  try {
    e.end();
  } catch {
    /* one failure must not keep the rest alive */
  }
}
