import { INT3 } from '../../../arch/x86-64/breakpoint.js';
import { readMem, writeMem } from './mem.js';

/**
 * The addresses where a client of a traced target wrote an int3 over a byte that was not one:
 * its breakpoints, as far as the tracer can know them. A trap on one is rewound the moment the
 * tracer collects it (trap-classify.ts), as gdb does, so a thread the tracer holds is always at
 * an instruction boundary of the original code:
 * - a SIGKILL of the debugger detaches every thread where it is. A thread left one past the
 *   int3 ran on mid-instruction: past a one-byte `push %rbp` its function returned through the
 *   wrong stack slot (SIGSEGV at rip 0, one SIGKILL of `pdbg trace` in ~10 on 8 threads).
 *   Rewound, it executes the int3 again: the SIGTRAP any debugger's SIGKILL leaves;
 * - all-stop collects the hits of several threads at once and reports them one at a time, so a
 *   queued hit used to wait one past its byte until the client got to it;
 * - the pc cannot be judged later: an engine that executes the instruction under its int3 itself
 *   (a one-byte push) leaves it exactly one past the byte, as a fresh trap does.
 *
 * An address stays listed after the client writes the original back: a trap collected then was
 * taken while the int3 was there (an int3 is the only instruction that traps with SI_KERNEL and
 * the pc one past it). A program's own int3 (0xCC before the client's write) is never listed:
 * its SIGTRAP is the program's, with the pc the kernel reports.
 */
export class PlantedBytes {
  private readonly at = new Set<bigint>();

  /** Whether the int3 a thread executed at `addr` was one of the client's. */
  has(addr: bigint): boolean {
    return this.at.has(addr);
  }

  /**
   * `data` written at `addr` through `fd`, the bytes under its new int3s read first (one pread
   * of the span they cover, and only for addresses not listed yet: a breakpoint stepped over
   * and planted again costs nothing here).
   */
  write(fd: number, pid: number, addr: bigint, data: Uint8Array): number {
    let lo = -1;
    let hi = -1;
    for (let i = 0; i < data.length; i++) {
      if (data[i] !== INT3 || this.at.has(addr + BigInt(i))) continue;
      if (lo < 0) lo = i;
      hi = i;
    }
    if (lo < 0) return writeMem(fd, pid, addr, data);
    const before = Buffer.alloc(hi - lo + 1);
    const got = readMem(fd, pid, addr + BigInt(lo), before, before.length);
    const n = writeMem(fd, pid, addr, data);
    for (let i = lo; i <= hi && i - lo < got; i++) {
      if (data[i] === INT3 && before[i - lo] !== INT3) this.at.add(addr + BigInt(i));
    }
    return n;
  }

  /** A forked child starts with its parent's bytes, int3s included. */
  copyFrom(parent: PlantedBytes): void {
    for (const a of parent.at) this.at.add(a);
  }

  /** A new image (exec): the old address space and its bytes are gone. */
  clear(): void {
    this.at.clear();
  }
}
