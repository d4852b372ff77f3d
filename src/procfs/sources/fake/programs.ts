import type { FakeProcessSpec } from '../fake.js';

/**
 * Ready-made fake programs, in the fake's instruction model (cpu.ts). Addresses are fixed so
 * that tests can name them.
 */
export const CODE = 0x401000n;
export const DATA = 0x600000n;

/** Two threads, each spinning in its own loop; a writable data page with nothing after it. */
export function spinner(pid?: number): FakeProcessSpec {
  const code = Buffer.alloc(0x1000, 0x90);
  // main: 0x401000: nop nop nop; jmp 0x401000 (eb fb). thread 2: 0x401010: nop nop; jmp 0x401010 (eb fc).
  code.set([0x90, 0x90, 0x90, 0xeb, 0xfb], 0);
  code.set([0x90, 0x90, 0xeb, 0xfc], 0x10);
  return {
    ...(pid !== undefined ? { pid } : {}),
    comm: 'spinner',
    argv: ['spinner', 'spin'],
    regions: [
      { start: CODE, bytes: code, perms: 'r-x', path: '/fake/spinner' },
      { start: DATA, bytes: Buffer.alloc(0x1000, 0x11), perms: 'rw-' },
    ],
    threads: [
      { pc: CODE, regs: { rsp: 0x7ff000n } },
      { pc: CODE + 0x10n, regs: { rsp: 0x7fe000n } },
    ],
  };
}

/**
 * One thread running straight through `nops` nops, then `syscall` (the fake's exit) with
 * rdi = `code`: a program that ends by itself.
 */
export function straightLine(nops: number, code: number, pid?: number): FakeProcessSpec {
  const text = Buffer.alloc(0x1000, 0x90);
  text.set([0x0f, 0x05], nops);
  return {
    ...(pid !== undefined ? { pid } : {}),
    comm: 'straight',
    regions: [
      { start: CODE, bytes: text, perms: 'r-x', path: '/fake/straight' },
      { start: DATA, bytes: 0x1000, perms: 'rw-' },
    ],
    threads: [{ pc: CODE, regs: { rdi: BigInt(code) } }],
  };
}
