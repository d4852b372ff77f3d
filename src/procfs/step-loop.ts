/**
 * A step loop on any source, with its operations (ctl step, ctl wait, why, regs): what an agent
 * runs next to the target so that a remote engine's `stepN` costs one round trip per loop, not
 * one per step. It stops where the engine must look (stepLoop in source.ts).
 */
import { USER_REGS_RIP_OFFSET, USER_REGS_SIZE } from '../arch/x86-64/registers-linux.js';
import { ProcfsError } from './errors.js';
import { isPlainStep } from './why.js';
import type { ProcFs, StepLoopRequest, StepLoopResult } from './source.js';


/** `stop()`: asked between steps (an interrupt came); the loop ends after the step in flight. */
export async function runStepLoop(fs: ProcFs, pid: number, req: StepLoopRequest, stop: () => boolean = () => false): Promise<StepLoopResult> {
  const opts = req.tid === undefined ? {} : { tid: req.tid };
  const stops = new Set(req.stopAt);
  const why = Buffer.alloc(128);
  const regs = Buffer.alloc(USER_REGS_SIZE);
  for (let i = 0; i < req.count; i++) {
    try {
      await fs.write(pid, 'ctl', 'step', opts);
      await fs.write(pid, 'ctl', 'wait');
    } catch (err) {
      const e = err instanceof ProcfsError ? err : new ProcfsError('EIO', (err as Error).message, pid, 'ctl');
      return { done: i, error: { code: String(e.code), message: e.message } };
    }
    const n = await fs.readInto(pid, 'why', why);
    if (!isPlainStep(why, n)) return { done: i, last: { why: Buffer.from(why.subarray(0, n)) } };
    const r = await fs.readInto(pid, 'regs', regs, opts);
    const last = i === req.count - 1 || stop() || (r >= USER_REGS_SIZE && stops.has(regs.readBigUInt64LE(USER_REGS_RIP_OFFSET)));
    if (last) return { done: i, last: { why: Buffer.from(why.subarray(0, n)), regs: Buffer.from(regs.subarray(0, r)) } };
  }
  return { done: 0 };
}
