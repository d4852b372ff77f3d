import { parseJailNode } from '../procfs/jail-node.js';
import type { ProcFs } from '../procfs/source.js';

/** What the status line says about a target besides the engine's state. */
export interface TargetInfo {
  /** Program name (argv[0]'s last component). */
  readonly command: string;
  /** Jail hostname, `-` when not jailed or unknown. */
  readonly jail: string;
  /** In a job-control stop (state T) right now (detach keeps such a stop, as BSD's does). */
  readonly stopped: boolean;
}

export async function targetInfo(fs: ProcFs, pid: number): Promise<TargetInfo> {
  let command = String(pid);
  try {
    const argv0 = (await fs.read(pid, 'cmdline')).toString('utf8').split('\0')[0] ?? '';
    if (argv0) command = argv0.replace(/.*\//, '');
  } catch {
    // A kernel thread or a snapshot without cmdline: the pid will do.
  }
  let jail = '-';
  try {
    jail = parseJailNode((await fs.read(pid, 'jail')).toString('utf8')).hostname ?? '-';
  } catch {
    // No jail node in this source.
  }
  let stopped = false;
  // The status line carries no run state; a source that describes processes gives Linux's
  // one-letter state (null from a tree, which cannot be stopped now anyway).
  const describer = fs.capabilities.describer;
  if (describer) {
    try {
      const [p] = await describer.describe([pid], { jid: false, args: false, wchan: false });
      stopped = p?.state === 'T';
    } catch {
      // Gone already: attach will say so.
    }
  }
  return { command, jail, stopped };
}
