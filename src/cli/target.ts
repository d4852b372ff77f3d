import type { Session } from '../debugger/session.js';

/**
 * The frame of every one-shot command (`step`, `run`, `regs`, `mem`): open the source named by
 * --proc-root, attach, act, leave the target job-control stopped with no breakpoint byte in it,
 * close. The engine is imported here, not at the top, so `pdbg ps` never loads koffi.
 */
export async function onTarget(procRoot: string | undefined, pid: number, act: (s: Session) => Promise<void>): Promise<void> {
  const { openProcFs } = await import('../procfs/sources/open.js');
  const { withTarget } = await import('../debugger/oneshot.js');
  const fs = await openProcFs(procRoot);
  try {
    await withTarget(fs, pid, 'stopped', act);
  } finally {
    await fs.close();
  }
}
