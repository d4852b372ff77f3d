/**
 * The target's threads as a client lists them (gdb's `info threads`): each with its name (its
 * `comm`, where the source has a status node per thread) and, while stopped, its pc.
 */
import { commText, parseStatusBytes } from '../procfs/status.js';
import { readReg } from './regfile.js';
import type { SessionCore } from './session-core.js';
import type { ThreadInfo } from './session-types.js';

export async function listThreads(c: SessionCore): Promise<ThreadInfo[]> {
  c.assertAlive();
  const out: ThreadInfo[] = [];
  for (const tid of await c.fs.threads(c.pid)) {
    // Undefined where the source cannot say.
    const name = await c.fs.read(c.pid, 'status', { tid }).then((b) => commText(parseStatusBytes(b)), () => undefined);
    const base = { tid, current: tid === c.current, ...(name === undefined ? {} : { name }) };
    if (c.state !== 'stopped') {
      out.push({ ...base, state: 'running' });
      continue;
    }
    // A thread that is exiting right now has no registers to show.
    const pc = await c.regs.load(c.regs.slot(tid)).then((r) => readReg(r, c.bps.arch.pcReg), () => undefined);
    out.push(pc === undefined ? { ...base, state: 'stopped' } : { ...base, state: 'stopped', pc, where: c.locator.describe(pc) });
  }
  return out;
}
