import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJailNode } from '../procfs/jail.js';
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
  if (fs.kind === 'linux') {
    try {
      const stat = readFileSync(join(fs.root, String(pid), 'stat'), 'utf8');
      stopped = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'T';
    } catch {
      // Gone already: attach will say so.
    }
  }
  return { command, jail, stopped };
}
