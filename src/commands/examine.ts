/**
 * gdb's `x/NFU ADDR`: N units of size U (b h w g) in format F (x d u o t c a z, s for strings,
 * i for instructions), laid out as gdb's `do_examine` does: `0xADDR <sym+off>:` then the units
 * tab-separated, 8 a line for bytes and halfwords, 4 for words, 2 for giants; one string or
 * instruction a line. Format and size left out come from the last `x` (gdb starts at `xw`).
 *
 * Differences from gdb, on purpose: `x/s` does not fold runs into `<repeats N times>` and stops
 * at 200 characters (gdb's default `print elements`) with `...`; `x/i` prints iced-x86's AT&T
 * text (instruction boundaries and operands as gdb's; spacing can differ in places).
 */
import { ProcfsError } from '../procfs/errors.js';
import { disassemble } from '../arch/x86-64/disasm.js';
import { evalAddress, readExact } from '../engine/expr.js';
import { addressText, escapeChar, formatValue, type Symbolize } from './gdbfmt.js';
import type { Session } from '../engine/session.js';
import type { Client, UnitSize } from './client.js';

/** A parsed `/NFU`. */
export interface ExamineFormat {
  readonly count: number;
  readonly format: string;
  readonly size: UnitSize;
}

const SIZES: Readonly<Record<UnitSize, number>> = { b: 1, h: 2, w: 4, g: 8 };
const PER_LINE: Readonly<Record<UnitSize, number>> = { b: 8, h: 8, w: 4, g: 2 };
const STRING_LIMIT = 200;

/** `/8xb` (count, format, size in any order after the count) against the remembered defaults. */
export function parseExamineFormat(text: string, last: { format: string; size: UnitSize }): ExamineFormat {
  const m = /^\/(-?\d*)([a-z]*)$/i.exec(text);
  if (!m) throw new ProcfsError('EINVAL', `bad format '${text}' (x/NFU: N count, F one of x d u o t c a z s i, U one of b h w g)`);
  const count = m[1] === '' ? 1 : Number(m[1]);
  if (!Number.isInteger(count) || count < 1 || count > 100_000) throw new ProcfsError('EINVAL', `bad count in '${text}' (1-100000)`);
  let format: string | undefined;
  let size: UnitSize | undefined;
  for (const ch of m[2]!) {
    if ('bhwg'.includes(ch)) {
      if (size) throw new ProcfsError('EINVAL', `two sizes in '${text}'`);
      size = ch as UnitSize;
    } else if ('xduotcazsi'.includes(ch)) {
      if (format) throw new ProcfsError('EINVAL', `two formats in '${text}'`);
      format = ch;
    } else throw new ProcfsError('EINVAL', `undefined format letter '${ch}' in '${text}' (x d u o t c a z s i; sizes b h w g)`);
  }
  const f = format ?? last.format;
  // gdb: `a` is pointer-sized; `c` defaults to bytes when no size is given.
  let u = size ?? (f === 'c' ? 'b' : last.size);
  if (f === 'a') u = 'g';
  return { count, format: f, size: u };
}

/** One line of output with its units, for `--json`. */
export interface ExamineLine {
  readonly addr: bigint;
  readonly text: string;
}

export interface ExamineResult {
  readonly addr: bigint;
  readonly format: string;
  readonly size: UnitSize;
  readonly count: number;
  readonly lines: ExamineLine[];
  /** Each unit (`x d u o t c a z`): address and raw value; strings and instructions have their own fields. */
  readonly units?: { addr: bigint; value: bigint }[];
  readonly strings?: { addr: bigint; text: string }[];
  readonly instructions?: { addr: bigint; length: number; bytes: string; text: string }[];
  /** Where a bare `x` goes on. */
  readonly next: bigint;
}

function label(a: bigint, symbolize: Symbolize): string {
  return `${addressText(a, symbolize)}:`;
}

/** `x/FMT ADDR` (fmtText `/8xb`, or undefined for the remembered format); `addrText` may be empty to go on. */
export async function examine(c: Client, fmtText: string | undefined, addrText: string): Promise<ExamineResult> {
  const s = c.session;
  const st = c.inspect;
  const f = fmtText === undefined ? { count: 1, format: st.lastFormat, size: st.lastSize } : parseExamineFormat(fmtText, { format: st.lastFormat, size: st.lastSize });
  let addr: bigint;
  if (addrText.trim() === '') {
    if (st.nextAddress === undefined) throw new ProcfsError('EINVAL', 'argument required (starting display address)');
    addr = st.nextAddress;
  } else addr = await evalAddress(addrText, c.context());
  const symbolize = c.symbolize;
  let r: ExamineResult;
  if (f.format === 's') r = await strings(s, f, addr, symbolize);
  else if (f.format === 'i') r = await instructions(s, f, addr, symbolize);
  else r = await units(s, f, addr, symbolize);
  st.lastFormat = f.format;
  // gdb: strings leave the size at bytes; instructions keep the last one.
  if (f.format === 's') st.lastSize = 'b';
  else if (f.format !== 'i') st.lastSize = f.size;
  st.nextAddress = r.next;
  return r;
}

async function units(s: Session, f: ExamineFormat, addr: bigint, symbolize: Symbolize): Promise<ExamineResult> {
  const size = SIZES[f.size];
  const ctx = { read: (a: bigint, l: number) => s.readMem(a, l) };
  const out: ExamineLine[] = [];
  const all: { addr: bigint; value: bigint }[] = [];
  const per = PER_LINE[f.size];
  for (let i = 0; i < f.count; i += per) {
    const at = addr + BigInt(i * size);
    const n = Math.min(per, f.count - i);
    const bytes = await readExact(ctx, at, n * size);
    const cells: string[] = [];
    for (let k = 0; k < n; k++) {
      let v = 0n;
      for (let j = size - 1; j >= 0; j--) v = (v << 8n) | BigInt(bytes[k * size + j]!);
      all.push({ addr: at + BigInt(k * size), value: v });
      cells.push(formatValue({ bits: v, type: { kind: 'int', size: size as 1 | 2 | 4 | 8, signed: true } }, f.format, symbolize, { size, pad: true }));
    }
    out.push({ addr: at, text: `${label(at, symbolize)}\t${cells.join('\t')}` });
  }
  return { addr, format: f.format, size: f.size, count: f.count, lines: out, units: all, next: addr + BigInt(f.count * size) };
}

/** Bytes up to a NUL (or the limit), read a chunk at a time so a string near the end of a mapping still reads. */
async function cString(s: Session, addr: bigint): Promise<{ bytes: number[]; terminated: boolean }> {
  const bytes: number[] = [];
  let at = addr;
  while (bytes.length < STRING_LIMIT) {
    // Up to the next 64-byte boundary: never a read across into an unmapped page before it is needed.
    const chunk = 64 - Number(at % 64n);
    let b: Buffer;
    try {
      b = await s.readMem(at, chunk);
    } catch {
      b = Buffer.alloc(0);
    }
    if (b.length === 0) {
      if (bytes.length === 0) throw new ProcfsError('EIO', `cannot read memory at 0x${at.toString(16)}`);
      return { bytes, terminated: false };
    }
    for (const x of b) {
      if (x === 0) return { bytes, terminated: true };
      bytes.push(x);
      if (bytes.length === STRING_LIMIT) break;
    }
    at += BigInt(b.length);
  }
  return { bytes, terminated: false };
}

async function strings(s: Session, f: ExamineFormat, addr: bigint, symbolize: Symbolize): Promise<ExamineResult> {
  const out: ExamineLine[] = [];
  const list: { addr: bigint; text: string }[] = [];
  let at = addr;
  for (let i = 0; i < f.count; i++) {
    const { bytes, terminated } = await cString(s, at);
    const quoted = `"${bytes.map((b) => escapeChar(b, '"')).join('')}"${terminated ? '' : '...'}`;
    out.push({ addr: at, text: `${label(at, symbolize)}\t${quoted}` });
    list.push({ addr: at, text: Buffer.from(bytes).toString('latin1') });
    at += BigInt(bytes.length + (terminated ? 1 : 0));
  }
  return { addr, format: 's', size: 'b', count: f.count, lines: out, strings: list, next: at };
}

/** Code bytes at `addr`: as many as `want`, fewer near the end of a mapping. */
export async function readCode(s: Session, addr: bigint, want: number): Promise<Buffer> {
  for (let n = want; n >= 1; n = Math.floor(n / 2)) {
    try {
      return await s.readMem(addr, n);
    } catch {
      // shorter
    }
  }
  throw new ProcfsError('EIO', `cannot read memory at 0x${addr.toString(16)}`);
}

async function instructions(s: Session, f: ExamineFormat, addr: bigint, symbolize: Symbolize): Promise<ExamineResult> {
  const pc = await s.frameReg('rip').catch(() => undefined);
  const out: ExamineLine[] = [];
  const list: { addr: bigint; length: number; bytes: string; text: string }[] = [];
  let at = addr;
  while (list.length < f.count) {
    const code = await readCode(s, at, Math.min(4096, (f.count - list.length) * 15));
    const lines = disassemble(code, at, { max: f.count - list.length, symbolize });
    if (lines.length === 0) throw new ProcfsError('EIO', `cannot read memory at 0x${at.toString(16)}`);
    for (const l of lines) {
      out.push({ addr: l.address, text: `${l.address === pc ? '=> ' : '   '}${label(l.address, symbolize)}\t${l.text}` });
      list.push({ addr: l.address, length: l.length, bytes: l.bytes, text: l.text });
      at = l.address + BigInt(l.length);
    }
  }
  return { addr, format: 'i', size: f.size, count: f.count, lines: out, instructions: list, next: at };
}
