/**
 * gdb's `call FUNC(ARGS)`: runs a function of the target in its current thread, by the System V
 * AMD64 calling convention, and puts the thread back exactly as it was.
 *
 * - Integer and pointer arguments, up to six (rdi rsi rdx rcx r8 r9); rax = 0 (no vector
 *   registers used, which a variadic callee reads).
 * - The frame goes below the red zone (128 bytes the interrupted code may use without moving
 *   rsp), 16-byte aligned before the return address is pushed, as a `call` leaves it.
 * - The return address is the executable's entry point with an internal breakpoint on it (gdb's
 *   AT_ENTRY_POINT): code that never runs again after start-up.
 * - orig_rax = -1 while the function runs: a thread stopped inside an interrupted system call
 *   would otherwise have the kernel's restart logic rewrite its pc on resume; with the registers
 *   put back the restart happens as it would have. A thread in a call the kernel restarts from
 *   per-thread state (ERESTART_RESTARTBLOCK: nanosleep, clock_nanosleep, poll with a timeout)
 *   is refused: the called function could overwrite that state.
 * - All threads run while it runs (gdb's default); a signal, a breakpoint or anything but the
 *   return ends the call: every register (and the FPU/SSE state) is put back, the signal is
 *   dropped, and the error says what happened (gdb's `set unwindonsignal on`).
 */
import { INT_ARG_REGS, RED_ZONE } from '../arch/x86-64/calling-convention.js';
import { ProcfsError } from '../procfs/errors.js';
import { describeStop, isGone, type StopEvent } from './events.js';
import type { Session } from './session.js';

/** The kernel's ERESTART_RESTARTBLOCK (include/linux/errno.h), as rax shows it. */
const ERESTART_RESTARTBLOCK = -516n;
const ARG_REGS = INT_ARG_REGS;

export interface CallResult {
  /** rax on return. */
  readonly value: bigint;
}

export async function callFunction(s: Session, fn: bigint, args: readonly bigint[]): Promise<CallResult> {
  if (args.length > ARG_REGS.length) throw new ProcfsError('EINVAL', `call: at most ${ARG_REGS.length} arguments (pdbg passes them in registers only)`, s.pid);
  const tid = s.current;
  const saved = await s.saveThread(tid);
  const origRax = BigInt.asIntN(64, await s.reg('orig_rax', tid));
  const rax = BigInt.asIntN(64, await s.reg('rax', tid));
  if (origRax >= 0n && rax === ERESTART_RESTARTBLOCK) {
    throw new ProcfsError('EBUSY', `thread ${tid} is in system call ${origRax}, which the kernel restarts from per-thread state a called function could overwrite: step out of it first (finish, or stepi)`, s.pid);
  }
  const ret = await s.entryPoint();
  if (ret === undefined) throw new ProcfsError('ENOENT', 'call: the executable\'s entry point is unknown (no return address to use)', s.pid);
  const fpregs = await s.fs.read(s.pid, 'fpregs', { tid }).catch(() => undefined);
  let sp = ((await s.reg('rsp', tid)) - RED_ZONE - 64n) & ~0xfn;
  sp -= 8n;
  const word = Buffer.alloc(8);
  word.writeBigUInt64LE(ret);
  const under = await s.readMem(sp, 8);
  const bp = s.breakpoints().some((b) => b.addr === ret) ? undefined : await s.break(ret, { internal: true });
  let result: bigint | undefined;
  let failure: string | undefined;
  try {
    await s.writeMem(sp, word);
    await s.setReg('rsp', sp, tid);
    await s.setReg('rip', fn, tid);
    for (const [i, v] of args.entries()) await s.setReg(ARG_REGS[i]!, v, tid);
    await s.setReg('rax', 0n, tid);
    await s.setReg('orig_rax', -1n, tid);
    for (;;) {
      const ev: StopEvent = await s.cont();
      if (isGone(ev)) throw new ProcfsError('ESRCH', `the program ended while in a function called from pdbg: ${describeStop(ev, (pc) => s.describe(pc))}`, s.pid);
      const atReturn = ev.kind === 'breakpoint' && ev.pc === ret;
      if (atReturn && ev.tid === tid && (await s.reg('rsp', tid)) === sp + 8n) {
        result = await s.reg('rax', tid);
        break;
      }
      if (atReturn) continue; // another thread at the entry point: not ours
      failure = describeStop(ev, (pc) => s.describe(pc));
      break;
    }
  } finally {
    if (s.state === 'stopped') {
      if (bp) await s.delete(bp.id).catch(() => undefined);
      await s.writeMem(sp, under).catch(() => undefined);
      await s.restoreThread(saved);
      if (fpregs) await s.fs.write(s.pid, 'fpregs', fpregs, { tid }).catch(() => undefined);
    }
  }
  if (failure !== undefined) {
    throw new ProcfsError('EINTR', `the program stopped in a function called from pdbg (${failure}); every register was put back and the call abandoned`, s.pid);
  }
  return { value: result! };
}
