/**
 * Backtraces by frame-pointer walk: with `push %rbp; mov %rsp,%rbp` prologues, [rbp] holds the
 * caller's rbp and [rbp+8] the return address. No DWARF CFI: where a function has no frame
 * pointer (most of libc) the frames above it are marked as a guess instead of being trusted.
 */
import type { ReadMemory } from './disasm.js';
import type { SymbolHit } from './symbols/process-symbols.js';

export interface Frame {
  readonly index: number;
  /** Frame 0: the pc; others: the return address into that frame's function. */
  readonly pc: bigint;
  /** The frame's rbp as the walk saw it. */
  readonly fp: bigint;
  /** `main+12`, when a symbol covers the pc. */
  readonly where?: string;
  readonly function?: string;
  readonly module?: string;
}

export interface Backtrace {
  readonly frames: readonly Frame[];
  /**
   * Why the walk may be wrong or stopped early, for a person: `no frame pointer in write: the
   * frames above it are a guess`. Undefined when every frame had a frame pointer.
   */
  readonly note?: string;
}

export interface FrameRegs {
  readonly rip: bigint;
  readonly rsp: bigint;
  readonly rbp: bigint;
}

export interface BacktraceOptions {
  readonly symbolAt?: (addr: bigint) => SymbolHit | undefined;
  /** Default 64. */
  readonly max?: number;
  /** Stop after `main`, as gdb does by default (the frames below it are libc's start-up). */
  readonly pastMain?: boolean;
}

const ENDBR64 = [0xf3, 0x0f, 0x1e, 0xfa];
const PUSH_RBP = 0x55;
const MOV_RSP_RBP = [0x48, 0x89, 0xe5];
const RET = 0xc3;

/** Where a function's frame-pointer prologue is, if it has one. */
interface Prologue {
  /** Offset of `push %rbp` from the function's start. */
  readonly push: number;
}

function matches(code: Uint8Array, at: number, bytes: readonly number[]): boolean {
  return bytes.every((b, i) => code[at + i] === b);
}

export function findPrologue(code: Uint8Array): Prologue | undefined {
  const at = matches(code, 0, ENDBR64) ? 4 : 0;
  return code[at] === PUSH_RBP && matches(code, at + 1, MOV_RSP_RBP) ? { push: at } : undefined;
}

async function u64(read: ReadMemory, addr: bigint): Promise<bigint | undefined> {
  try {
    const b = await read(addr, 8);
    if (b.length < 8) return undefined;
    return Buffer.from(b.buffer, b.byteOffset, 8).readBigUInt64LE(0);
  } catch {
    return undefined;
  }
}

export async function backtrace(regs: FrameRegs, read: ReadMemory, opts: BacktraceOptions = {}): Promise<Backtrace> {
  const max = opts.max ?? 64;
  const frames: Frame[] = [];
  let note: string | undefined;
  const push = (pc: bigint, fp: bigint): SymbolHit | undefined => {
    const sym = opts.symbolAt?.(pc);
    frames.push({
      index: frames.length,
      pc,
      fp,
      ...(sym ? { where: sym.offset === 0n ? sym.name : `${sym.name}+${sym.offset}`, function: sym.name, module: sym.module } : {}),
    });
    return sym;
  };
  const prologueOf = async (sym: SymbolHit | undefined): Promise<Prologue | undefined> => {
    if (!sym || sym.kind === 'object') return undefined;
    const code = await read(sym.address, 8).catch(() => new Uint8Array(0));
    return findPrologue(code);
  };

  let pc = regs.rip;
  let fp = regs.rbp;
  let sym = push(pc, fp);

  // Frame 0 may be inside its prologue or at its `ret`, where [rbp] is still (or again) the caller's.
  const pro = await prologueOf(sym);
  const off = sym ? pc - sym.address : -1n;
  const atRet = (await read(pc, 1).catch(() => new Uint8Array(0)))[0] === RET;
  let ret: bigint | undefined;
  if (pro && off <= BigInt(pro.push)) {
    ret = await u64(read, regs.rsp);
  } else if (pro && off === BigInt(pro.push + 1)) {
    ret = await u64(read, regs.rsp + 8n);
  } else if (atRet) {
    ret = await u64(read, regs.rsp);
  } else if (sym && !pro && off !== 0n) {
    note = `no frame pointer in ${sym.name}: the frames above it are a guess`;
  } else if (sym && !pro && off === 0n) {
    ret = await u64(read, regs.rsp);
  } else if (!sym) {
    note = `no symbol at 0x${pc.toString(16)}: the frames above it are a guess`;
  }
  if (ret !== undefined) {
    if (!(opts.pastMain !== true && sym?.name === 'main')) {
      pc = ret;
      sym = push(pc, fp);
      const p = await prologueOf(sym);
      if (sym && !p && !note) note = `no frame pointer in ${sym.name}: the frames above it are a guess`;
    }
  }

  while (frames.length < max) {
    if (opts.pastMain !== true && frames[frames.length - 1]?.function === 'main') break;
    if (fp === 0n || (fp & 7n) !== 0n) break;
    const nextFp = await u64(read, fp);
    const nextPc = await u64(read, fp + 8n);
    if (nextFp === undefined || nextPc === undefined || nextPc === 0n) break;
    // The stack grows down: a caller's frame is above its callee's, or the chain is garbage.
    if (nextFp !== 0n && nextFp <= fp) {
      note ??= `frame chain broken at 0x${fp.toString(16)}`;
      push(nextPc, nextFp);
      break;
    }
    pc = nextPc;
    fp = nextFp;
    const s = push(pc, fp);
    if (s && !note && s.kind !== 'object' && !(await prologueOf(s))) {
      note = `no frame pointer in ${s.name}: the frames above it are a guess`;
    }
  }
  return note ? { frames, note } : { frames };
}
