import { readFileSync } from 'node:fs';
import type { OneShotOptions } from '../debugger/oneshot.js';
import type { Leave, Session } from '../debugger/session.js';
import type { ProcFs } from '../procfs/source.js';
import type { SourceArgs } from './source.js';

/**
 * pdbg's own ancestors on this machine (its shell, the shell's parents). A one-shot command
 * that left one of them stopped would stop the very shell waiting for pdbg: for ever.
 */
function ownAncestors(): Set<number> {
  const out = new Set<number>();
  for (let pid = process.ppid; pid > 1 && !out.has(pid); ) {
    out.add(pid);
    try {
      const m = /^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
      pid = m ? Number(m[1]) : 0;
    } catch {
      break;
    }
  }
  return out;
}

/**
 * How a one-shot command leaves its target: stopped (so the next command finds it where this
 * one left it), unless it is an ancestor of pdbg on the live system, which is released running.
 */
export function oneShotLeave(procRoot: string | undefined, pid: number): { leave: Leave; note?: string } {
  if (procRoot === undefined && ownAncestors().has(pid)) {
    return { leave: 'running', note: `pid ${pid} is an ancestor of pdbg (its shell?): released running, not left stopped` };
  }
  return { leave: 'stopped' };
}

/**
 * A one-shot command says nothing of what the engine did by itself (a busy forker would give a
 * `detached after fork` line per child, burying the one line a result or an error is); a
 * script and the TUI show those notices in their transcript.
 */
function noNotices(): void {}

/** Which thread a one-shot command acts on. */
export interface ThreadChoice {
  /** `--tid`: this thread. Default: the thread the previous one-shot command stopped in (last-stop.ts). */
  readonly tid?: number;
}

/** Opens the source, attaches and runs `act` as a one-shot command (see onTarget). */
export async function withOneShot<T>(
  src: SourceArgs,
  pid: number,
  act: (s: Session, fs: ProcFs) => Promise<T>,
  notices: (s: Session) => void = noNotices,
  opts: OneShotOptions & ThreadChoice = {},
): Promise<T> {
  const { openSource, isRemote } = await import('./source.js');
  const { withTarget } = await import('../debugger/oneshot.js');
  // Through a chain the pid is the far side's: neither pdbg's ancestors nor this machine's
  // last stop say anything about it.
  const remote = await isRemote(src);
  const procRoot = remote ? '' : src['proc-root'];
  const fs = await openSource(src);
  const { leave, note } = oneShotLeave(procRoot, pid);
  // Only a live local target is remembered: a tree's or a chain's pids are another machine's.
  const remember = procRoot === undefined ? await import('./last-stop.js') : undefined;
  try {
    return await withTarget(fs, pid, leave, async (s) => {
      if (opts.tid !== undefined) await s.select(opts.tid);
      else await remember?.resumeLastThread(s);
      const result = await act(s, fs);
      if (s.onRelease === 'stopped') await remember?.rememberLastThread(s);
      return result;
    }, {
      ...(leave === 'running' ? { onFailure: 'running' as const } : {}),
      ...opts,
      onSession: (s) => {
        notices(s);
        opts.onSession?.(s);
      },
    });
  } finally {
    await fs.close();
    if (note) process.stderr.write(`pdbg: ${note}\n`);
  }
}

/**
 * The frame of every one-shot command (`step`, `run`, `regs`, `mem`): open the source named by
 * --proc-root or --via, attach, act, leave the target job-control stopped with no breakpoint byte in it,
 * close. The engine is imported here, not at the top, so `pdbg ps` never loads koffi.
 */
export async function onTarget(src: SourceArgs, pid: number, act: (s: Session) => Promise<void>, thread: ThreadChoice = {}): Promise<void> {
  await withOneShot(src, pid, (s) => act(s), undefined, thread);
}
