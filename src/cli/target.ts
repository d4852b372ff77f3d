import { readFileSync } from 'node:fs';
import type { OneShotOptions } from '../commands/oneshot.js';
import type { Leave, Session } from '../engine/session.js';
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
 * What a one-shot command promises its target:
 * - `inspect` (bt, regs, a mem read, a script): left as found. A server that was running runs
 *   on, as after `gdb -batch -p PID -ex bt`; the stop lasts only as long as the reading does.
 *   `--keep-stopped` asks for the old procfs way.
 * - `control` (step, run --until, a register or memory write, start): left where it stopped, so
 *   the next command finds it there (scripted `pdbg step`), and said on stderr.
 */
export type OneShotKind = 'inspect' | 'control';

/**
 * How a one-shot command leaves its target, by its kind; an ancestor of pdbg on the live system
 * (its own shell) is never left stopped: that would stop the very shell waiting for pdbg.
 */
export function oneShotLeave(procRoot: string | undefined, pid: number, kind: OneShotKind = 'control', keepStopped = false): { leave: Leave; note?: string } {
  const leave: Leave = kind === 'control' || keepStopped ? 'stopped' : 'as-is';
  if (leave === 'stopped' && procRoot === undefined && ownAncestors().has(pid)) {
    return { leave: 'running', note: `pid ${pid} is an ancestor of pdbg (its shell?): released running, not left stopped` };
  }
  return { leave };
}

/**
 * A one-shot command says nothing of what the engine did by itself (a busy forker would give a
 * `detached after fork` line per child, burying the one line a result or an error is); a
 * script and the TUI show those notices in their transcript.
 */
function noNotices(): void {}

/** Which thread a one-shot command acts on, and what it promises to leave. */
export interface ThreadChoice {
  /** `--tid`: this thread. Default: the thread the previous one-shot command stopped in (last-stop.ts). */
  readonly tid?: number;
  /** Default `control`. */
  readonly kind?: OneShotKind;
  /** `--keep-stopped`: an `inspect` command leaves the target stopped all the same. */
  readonly keepStopped?: boolean;
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
  const { withTarget } = await import('../commands/oneshot.js');
  const { guard } = await import('../procfs/exit-guard.js');
  // Through a chain the pid is the far side's: neither pdbg's ancestors nor this machine's
  // last stop say anything about it.
  const remote = await isRemote(src);
  const procRoot = remote ? '' : src['proc-root'];
  const fs = await openSource(src);
  const { leave, note } = oneShotLeave(procRoot, pid, opts.kind, opts.keepStopped);
  // Said after the release, when it is true: where the thread stands, and how to let it go.
  let leftAt: string | undefined;
  // Only a live local target is remembered: a tree's or a chain's pids are another machine's.
  const remember = procRoot === undefined ? await import('./last-stop.js') : undefined;
  let result: T;
  try {
    result = await withTarget(fs, pid, leave, async (s) => {
      if (opts.tid !== undefined) await s.select(opts.tid);
      else await remember?.resumeLastThread(s);
      const result = await act(s, fs);
      if (s.onRelease === 'stopped') {
        await remember?.rememberLastThread(s);
        if (opts.kind !== 'inspect' && s.state === 'stopped') leftAt = await stoppedAt(s);
      }
      return result;
    }, {
      ...(leave === 'running' ? { onFailure: 'running' as const } : {}),
      ...opts,
      exitGuard: guard,
      onSession: (s) => {
        notices(s);
        opts.onSession?.(s);
      },
    });
  } finally {
    await fs.close();
    if (note) process.stderr.write(`pdbg: ${note}\n`);
  }
  if (leftAt) process.stderr.write(`pdbg: left stopped at ${leftAt}; pdbg detach ${pid} resumes it\n`);
  return result;
}

/** `0x… <sym+off> (thread T)` of the current thread, for the left-stopped line. */
async function stoppedAt(s: Session): Promise<string> {
  const tid = s.current;
  try {
    await s.loadSymbols();
    return `${s.describe(await s.pc(tid))} (thread ${tid})`;
  } catch {
    return `thread ${tid}`;
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

/** The `--keep-stopped` option of the inspecting one-shots. */
export const KEEP_STOPPED = { type: 'boolean', describe: 'leave the target stopped (default: as found: a running target runs on)' } as const;

/** Runs `act` on a session that reads the target without stopping it (Session.observe). */
export async function observing(src: SourceArgs, pid: number, act: (s: Session) => Promise<void>): Promise<void> {
  const { openSource } = await import('./source.js');
  const { Session } = await import('../engine/session.js');
  const fs = await openSource(src);
  try {
    const s = await Session.observe(fs, pid);
    try {
      await act(s);
    } finally {
      await s.detach();
    }
  } finally {
    await fs.close();
  }
}
