import { USER_REGS_RIP_OFFSET } from '../../../arch/x86-64.js';
import { P } from './native.js';
import type { StopReason } from '../../why.js';
import type { StopRegs } from './reg-cache.js';
import type { Thread } from './trace-target.js';

/** The rip offset in user_regs_struct. */

/**
 * si_code tells a finished single step (TRAP_TRACE) from an int3 (SI_KERNEL) from a SIGTRAP
 * somebody sent. A step over `syscall` is reported at the syscall's exit as TRAP_BRKPT: for a
 * stepping thread that is its step, and its pc is the one after the instruction.
 */
export class TrapClassifier {
  private readonly siginfo = Buffer.alloc(P.SIGINFO_SIZE);
  private readonly siginfoView = new Int32Array(this.siginfo.buffer, this.siginfo.byteOffset, 32);

  constructor(private readonly regs: StopRegs) {}

  classify(th: Thread): StopReason {
    const tid = th.tid;
    try {
      P.getSigInfo(tid, this.siginfo);
    } catch {
      return { reason: 'signal', signal: 'trap' };
    }
    const code = this.siginfoView[2]!;
    if (code === P.TRAP_TRACE || (code === P.TRAP_BRKPT && th.stepping)) return { reason: 'step' };
    if (code === P.SI_KERNEL || code === P.TRAP_BRKPT || code === P.TRAP_HWBKPT) {
      let regs: Buffer;
      try {
        regs = this.regs.capture(tid);
      } catch {
        return { reason: 'signal', signal: 'trap' }; // killed meanwhile: its exit is collected next
      }
      return { reason: 'trap', addr: regs.readBigUInt64LE(USER_REGS_RIP_OFFSET) };
    }
    return { reason: 'signal', signal: 'trap' };
  }
}
