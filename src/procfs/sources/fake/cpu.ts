import { INT3, INT3_PC_ADVANCE } from '../../../arch/x86-64/breakpoint.js';
import { getReg, LINUX_X86_64, setReg } from '../../regs.js';
import type { FakeMemory } from './memory.js';

/**
 * The fake's instruction model: just enough x86-64 for the engine's logic (stepping, int3,
 * breakpoints, an exit, a fault), not an emulator. Registers other than rip change only when
 * a client writes them.
 *
 * - `cc` int3: rip moves past it and the thread traps (why `trap ADDR`, ADDR = rip after it,
 *   as the Linux source reports an int3).
 * - `0f 05` syscall: the process exits with code rdi & 0xff (every syscall is exit here).
 * - `eb rel8`, `e9 rel32`: jumps (so a program can loop forever, as a real target runs).
 * - anything else: an instruction of the length LENGTHS gives it (1 byte if unlisted).
 * - a pc in no executable mapping: SIGSEGV, rip unchanged (resuming without the signal faults again).
 */
export type Effect =
  | { readonly kind: 'next' }
  | { readonly kind: 'trap' }
  | { readonly kind: 'exit'; readonly code: number }
  | { readonly kind: 'fault'; readonly signal: 'segv' };

/** Lengths by first byte: common one-byte and short encodings, so a disassembly lines up. */
const LENGTHS = new Map<number, number>([
  [0x90, 1], // nop
  [0x55, 1], // push rbp
  [0x5d, 1], // pop rbp
  [0xc3, 1], // ret (no stack model: falls through)
  [0x48, 3], // REX.W mov/add r, r (48 89 e5 …)
  [0x89, 2], // mov r/m32, r32
  [0x31, 2], // xor r32, r32
  [0x83, 3], // add/sub r/m32, imm8
  [0xe8, 5], // call rel32 (falls through: no stack model)
  [0xb8, 5], // mov eax, imm32
  [0xbf, 5], // mov edi, imm32
]);

const NEXT: Effect = { kind: 'next' };
const TRAP: Effect = { kind: 'trap' };
const SEGV: Effect = { kind: 'fault', signal: 'segv' };

export function pcOf(regs: Uint8Array): bigint {
  return getReg(LINUX_X86_64, regs, 'rip');
}

export function setPcOf(regs: Uint8Array, pc: bigint): void {
  setReg(LINUX_X86_64, regs, 'rip', pc);
}

/** Executes the instruction at rip of `regs` over `mem`. */
export function execute(mem: FakeMemory, regs: Uint8Array): Effect {
  const pc = pcOf(regs);
  const op = mem.fetch(pc);
  if (op === undefined) return SEGV;
  switch (op) {
    case INT3:
      setPcOf(regs, pc + INT3_PC_ADVANCE);
      return TRAP;
    case 0x0f: {
      if (mem.fetch(pc + 1n) !== 0x05) break;
      setPcOf(regs, pc + 2n);
      return { kind: 'exit', code: Number(getReg(LINUX_X86_64, regs, 'rdi') & 0xffn) };
    }
    case 0xeb: {
      const rel = mem.fetch(pc + 1n);
      if (rel === undefined) return SEGV;
      setPcOf(regs, pc + 2n + BigInt((rel << 24) >> 24));
      return NEXT;
    }
    case 0xe9: {
      let rel = 0;
      for (let i = 3; i >= 0; i--) {
        const b = mem.fetch(pc + 1n + BigInt(i));
        if (b === undefined) return SEGV;
        rel = (rel << 8) | b;
      }
      setPcOf(regs, pc + 5n + BigInt(rel | 0));
      return NEXT;
    }
  }
  setPcOf(regs, pc + BigInt(LENGTHS.get(op) ?? 1));
  return NEXT;
}
