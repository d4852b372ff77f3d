/**
 * The current thread's call stack at this stop (unwound on first use, stack.ts) and the frame
 * selected in it (gdb's `frame N`, `up`, `down`): registers, `x` and `print` see that frame.
 * Every stop and every change of thread selects frame 0 again.
 */
import { ProcfsError } from '../procfs/errors.js';
import { decode, readReg, writeReg, type Registers } from './regfile.js';
import type { FramePart, SessionCore } from './session-core.js';
import { unwindStack, type StackFrame, type StackOptions } from './stack.js';
import { moduleUnwindTable } from './unwind/module-table.js';

export class FrameSelection implements FramePart {
  private stack: { tid: number; frames: StackFrame[]; pastMain: boolean } | undefined;
  private index = 0;

  constructor(private readonly core: SessionCore) {}

  /** The selected frame's number. */
  get selected(): number {
    return this.index;
  }

  /** The current thread's frames, innermost first; ends at `main` unless `pastMain`. */
  async frames(opts: StackOptions = {}): Promise<StackFrame[]> {
    const c = this.core;
    c.assertStopped();
    const pastMain = opts.pastMain === true;
    if (this.stack && this.stack.tid === c.current && this.stack.pastMain === pastMain) return this.stack.frames;
    const slot = c.regs.slot(c.current);
    const r = decode(await c.regs.load(slot));
    const syms = await c.locator.load();
    const frames = await unwindStack(r, (a, n) => c.breakpoints.readMem(a, n), syms, moduleUnwindTable, { ...opts, pastMain });
    this.stack = { tid: c.current, frames, pastMain };
    if (this.index >= frames.length) this.index = 0;
    return frames;
  }

  /** Selects frame `n` of the current thread's stack. */
  async select(n: number): Promise<StackFrame> {
    const frames = await this.frames(this.stack?.pastMain ? { pastMain: true } : {});
    if (!Number.isInteger(n) || n < 0 || n >= frames.length) {
      throw new ProcfsError('EINVAL', `no frame ${n}: the stack has ${frames.length} frame${frames.length === 1 ? '' : 's'} (0-${frames.length - 1})`, this.core.pid);
    }
    this.index = n;
    return frames[n]!;
  }

  /** The registers as the selected frame sees them (frame 0: undefined, the thread's own). */
  async regs(): Promise<Registers | undefined> {
    if (this.index === 0) return undefined;
    const frames = await this.frames(this.stack?.pastMain ? { pastMain: true } : {});
    return { ...frames[Math.min(this.index, frames.length - 1)]!.regs };
  }

  /** One register as the selected frame (not 0) sees it, in any spelling `reg` takes. */
  async reg(name: string): Promise<bigint> {
    const c = this.core;
    const r = (await this.regs())!;
    const raw = Buffer.from(await c.regs.load(c.regs.slot(c.current)));
    for (const [n, v] of Object.entries(r)) writeReg(raw, n, v);
    return readReg(raw, name);
  }

  /** A stop or a thread change: the stack is unwound again when asked, frame 0 selected. */
  forget(): void {
    this.stack = undefined;
    this.index = 0;
  }
}
