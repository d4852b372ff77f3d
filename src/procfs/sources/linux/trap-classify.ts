import { trapAddress } from '../../../arch/arch.js';
import { x86_64 } from '../../../arch/x86-64/index.js';
import { USER_REGS_RIP_OFFSET } from '../../../arch/x86-64/registers-linux.js';
import { P } from './native.js';
import type { StopReason } from '../../why.js';
import type { PlantedBytes } from './planted.js';
import type { StopRegs } from './reg-cache.js';
import type { Thread } from './trace-target.js';

/**
 * si_code tells a finished single step (TRAP_TRACE) from an int3 (SI_KERNEL) from a SIGTRAP
 * somebody sent. A step over `syscall` is reported at the syscall's exit as TRAP_BRKPT: for a
 * stepping thread that is its step, and its pc is the one after the instruction.
 *
 * An int3 of the client's (planted.ts) is rewound here, as the stop is collected: the pc goes
 * back on the instruction the byte replaced, with one PTRACE_SETREGS of the registers just read
 * (the engine, finding the pc there, has nothing to write). The `trap ADDR` line still says
 * where the kernel stopped it, the pc after the int3.
 */
export class TrapClassifier {
  private readonly siginfo = Buffer.alloc(P.SIGINFO_SIZE);
  private readonly siginfoView = new Int32Array(this.siginfo.buffer, this.siginfo.byteOffset, 32);

  constructor(private readonly regs: StopRegs) {}

  classify(th: Thread, planted: PlantedBytes): StopReason {
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
      const after = regs.readBigUInt64LE(USER_REGS_RIP_OFFSET);
      const at = trapAddress(x86_64, after);
      if (code === P.SI_KERNEL && planted.has(at)) {
        regs.writeBigUInt64LE(at, USER_REGS_RIP_OFFSET);
        try {
          P.setRegs(tid, regs);
        } catch {
          this.regs.forgetThread(tid); // killed meanwhile: nothing to rewind, its exit comes next
        }
      }
      return { reason: 'trap', addr: after };
    }
    return { reason: 'signal', signal: 'trap' };
  }
}
