import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ReadMemory } from '../src/arch/x86-64/disasm.js';
import { spawnStopped } from '../src/procfs/sources/linux/spawn.js';
import { Session } from '../src/engine/session.js';
import { ProcessSymbols } from '../src/engine/symbols/process-symbols.js';
import type { CfaRow } from '../src/dwarf/cfa-program.js';
import { CfiParser } from '../src/dwarf/cfi.js';
import { evaluate } from '../src/dwarf/expr.js';
import { DWARF_REG_NAMES, unwind, UnwindTable, type UnwindModule, type UnwoundFrame } from '../src/engine/unwind/index.js';
import { unwindTableFromFile } from './helpers/elf-file.js';
import { Cursor } from '../src/dwarf/reader.js';
import { ParseError } from '../src/procfs/errors.js';
import type { ProcFs } from '../src/procfs/source.js';
import { openProcFs } from '../src/procfs/sources/open.js';
import { liveOk } from './helpers/root.js';
import { buildTarget, killAll, procState, repoRoot } from './helpers/targets.js';
import { killPids, releaseSessions } from './helpers/cleanup.js';

const LIBC = '/lib/x86_64-linux-gnu/libc.so.6';
const O2 = ['-O2', '-fomit-frame-pointer', '-fasynchronous-unwind-tables'];
const deepTarget = (): string => buildTarget('unwind-deep', O2);

// ---- readelf's interpreted table, the oracle for the CFA programs ---------------------------

interface ReadelfFde {
  readonly section: string;
  readonly begin: bigint;
  readonly end: bigint;
  /** Column names (CFA first), then one array of cells per row; empty for an FDE without a table. */
  readonly columns: string[];
  readonly rows: { loc: bigint; cells: string[] }[];
}

/** FDEs with readelf's rows; an FDE without instructions prints no table (its CIE's row holds). */
function readelfFdes(file: string): ReadelfFde[] {
  // readelf 2.40 exits 1 on libc without saying why on stderr; the table it printed is complete.
  const out = spawnSync('readelf', ['--debug-dump=frames-interp', file], { encoding: 'utf8', maxBuffer: 256 << 20 }).stdout;
  const fdes: ReadelfFde[] = [];
  let cur: ReadelfFde | undefined;
  let section = '';
  for (const line of out.split('\n')) {
    const sec = /^Contents of the (\S+) section/.exec(line);
    if (sec) section = sec[1]!;
    const fde = /^[0-9a-f]{8} [0-9a-f]+ [0-9a-f]{8} FDE cie=[0-9a-f]{8} pc=([0-9a-f]+)\.\.([0-9a-f]+)/.exec(line);
    if (fde) {
      cur = { section, begin: BigInt(`0x${fde[1]}`), end: BigInt(`0x${fde[2]}`), columns: [], rows: [] };
      fdes.push(cur);
      continue;
    }
    if (/ CIE /.test(line)) cur = undefined;
    if (!cur) continue;
    if (/^\s+LOC\s+CFA/.test(line)) {
      cur.columns.push(...line.trim().split(/\s+/).slice(1));
      continue;
    }
    const row = /^([0-9a-f]{16}) (.*)$/.exec(line);
    // A register rule prints as `r9 (r9)`: one cell with a space in it.
    if (row) cur.rows.push({ loc: BigInt(`0x${row[1]}`), cells: row[2]!.replace(/r(\d+) \((\w+)\)/g, 'r$1($2)').trim().split(/\s+/) });
  }
  return fdes;
}

const REG_NAMES = ['rax', 'rdx', 'rcx', 'rbx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'ra'];
const signed = (n: number): string => (n < 0 ? `${n}` : `+${n}`);

/** Our row as readelf prints it, for the columns it shows. */
function cells(row: CfaRow, columns: readonly string[]): string[] {
  return columns.map((col) => {
    if (col === 'CFA') return row.cfa.kind === 'expr' ? 'exp' : `${REG_NAMES[row.cfa.reg]}${signed(row.cfa.offset)}`;
    const rule = row.regs.get(REG_NAMES.indexOf(col));
    if (!rule) return 'u';
    switch (rule.kind) {
      case 'undefined':
        return 'u';
      case 'same':
        return 's';
      case 'offset':
        return `c${signed(rule.offset)}`;
      case 'valOffset':
        return `v${signed(rule.offset)}`;
      case 'register':
        return `r${rule.reg}(${REG_NAMES[rule.reg]})`;
      case 'expr':
        return 'exp';
      case 'valExpr':
        return 'vexp';
    }
  });
}

/** Every row readelf printed for `fde`, compared with the table's rows (start and cells). */
function compareFde(table: UnwindTable, fde: ReadelfFde): void {
  const ours = table.rowsOfFdeAt(fde.begin);
  const what = `FDE ${fde.begin.toString(16)}..${fde.end.toString(16)}`;
  expect(ours.length, what).toBeGreaterThan(0);
  expect(ours[0]!.start, what).toBe(fde.begin);
  expect(ours[ours.length - 1]!.end, what).toBe(fde.end);
  if (fde.rows.length === 0) return;
  // readelf prints a row at every advance even when nothing changed; ours merge only zero advances.
  expect(ours.map((r) => r.start), what).toEqual(fde.rows.map((r) => r.loc));
  fde.rows.forEach((r, i) => {
    expect(cells(ours[i]!, fde.columns), `${what} row ${r.loc.toString(16)}`).toEqual(r.cells);
    // rowAt at the row's first and last byte gives the same row.
    for (const pc of [ours[i]!.start, ours[i]!.end - 1n]) expect(cells(table.rowAt(pc)!, fde.columns), `${what} at ${pc.toString(16)}`).toEqual(r.cells);
  });
}

// ---- unit: encodings ------------------------------------------------------------------------

describe('LEB128 and pointer encodings', () => {
  it.each([
    [[0x02], 2n],
    [[0x7f], 127n],
    [[0x80, 0x01], 128n],
    [[0x81, 0x01], 129n],
    [[0xb9, 0x64], 12857n],
    [[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], (1n << 64n) - 1n],
  ])('uleb128 %j = %s', (bytes, v) => {
    const c = new Cursor(Buffer.from(bytes));
    expect(c.uleb()).toBe(v);
    expect(c.done).toBe(true);
  });

  it.each([
    [[0x02], 2n],
    [[0x7e], -2n],
    [[0xff, 0x00], 127n],
    [[0x81, 0x7f], -127n],
    [[0x80, 0x01], 128n],
    [[0x80, 0x7f], -128n],
    [[0x78], -8n],
  ])('sleb128 %j = %s', (bytes, v) => {
    expect(new Cursor(Buffer.from(bytes)).sleb()).toBe(v);
  });

  it('refuses a LEB128 that runs off the end, naming it', () => {
    expect(() => new Cursor(Buffer.from([0x80, 0x80])).uleb('DW_CFA_offset')).toThrow(ParseError);
    expect(() => new Cursor(Buffer.from([0x80])).uleb('DW_CFA_offset')).toThrow(/DW_CFA_offset/);
  });

  it('decodes the DW_EH_PE_* formats and applications', () => {
    const b = Buffer.alloc(32);
    b.writeInt32LE(-0x10, 4); // pcrel|sdata4 at offset 4
    b.writeUInt32LE(0x1234, 8); // udata4
    b.writeInt16LE(-2, 12); // sdata2
    b.writeBigUInt64LE(0xdeadbeefn, 16); // absptr / aligned
    const c = new Cursor(b, 4);
    expect(c.pointer(0x1b, { section: 0x5000n })).toEqual({ value: 0x5000n + 4n - 0x10n, indirect: false });
    expect(c.pointer(0x33, { data: 0x9000n }).value).toBe(0x9000n + 0x1234n);
    expect(c.pointer(0x0a, {}).value).toBe((1n << 64n) - 2n);
    c.pos = 14;
    expect(c.pointer(0x50, {}).value).toBe(0xdeadbeefn);
    expect(new Cursor(b, 4).pointer(0x9b, { section: 0x5000n })).toEqual({ value: 0x5000n + 4n - 0x10n, indirect: true });
    expect(new Cursor(Buffer.from([0xe5, 0x8e, 0x26])).pointer(0x01, {}).value).toBe(624485n);
    expect(() => new Cursor(b).pointer(0xff, {})).toThrow(/omit/);
    expect(() => new Cursor(b).pointer(0x1b, {})).toThrow(/section base/);
    expect(() => new Cursor(b).pointer(0x07, {})).toThrow(/unknown pointer format/);
  });
});

// ---- unit: expressions ----------------------------------------------------------------------

describe('DWARF expressions', () => {
  const noMem = async (): Promise<bigint> => {
    throw new Error('no memory');
  };
  // The PLT's CFA: rsp+8 + ((rip&15) >= 11 ? 8 : 0) — the lazy-binding stub pushes once more.
  const plt = Buffer.from([0x77, 0x08, 0x80, 0x00, 0x3f, 0x1a, 0x3b, 0x2a, 0x33, 0x24, 0x22]);

  it('computes the PLT expression before and after its push', async () => {
    const at = (rip: bigint) => evaluate(plt, { reg: (n) => (n === 7 ? 0x7000n : n === 16 ? rip : undefined), readMem: noMem });
    expect(await at(0x1030n)).toBe(0x7008n);
    expect(await at(0x103an)).toBe(0x7008n);
    expect(await at(0x103bn)).toBe(0x7010n);
    expect(await at(0x103fn)).toBe(0x7010n);
  });

  it('does arithmetic, stack ops, branches and deref in 64 bits', async () => {
    const mem = async (a: bigint, size: number) => (a === 0x100n ? 0x1122334455667788n & ((1n << BigInt(size * 8)) - 1n) : 0n);
    const ev = (bytes: number[], init: bigint[] = []) => evaluate(Buffer.from(bytes), { reg: () => undefined, readMem: mem }, init);
    expect(await ev([0x08, 0xff, 0x09, 0xff, 0x22])).toBe(0xfen); // const1u 255 + const1s -1
    expect(await ev([0x31, 0x1f])).toBe((1n << 64n) - 1n); // -1
    expect(await ev([0x32, 0x33, 0x16, 0x1c])).toBe(1n); // 3 2 swap minus → 3-2
    expect(await ev([0x0a, 0x00, 0x01, 0x06])).toBe(0x1122334455667788n); // const2u 0x100 deref
    expect(await ev([0x0a, 0x00, 0x01, 0x94, 0x02])).toBe(0x7788n);
    expect(await ev([0x30, 0x28, 0x02, 0x00, 0x35, 0x96, 0x37])).toBe(7n); // lit0 bra(not taken) lit5 nop lit7
    expect(await ev([0x31, 0x28, 0x01, 0x00, 0x35, 0x37])).toBe(7n); // lit1 bra +1 skips lit5
    expect(await ev([0x23, 0x10], [0x20n])).toBe(0x30n); // initial CFA plus_uconst 16
    expect(await ev([0x31, 0x1f, 0x30, 0x2d])).toBe(1n); // -1 < 0 signed
    expect(await ev([0x38, 0x34, 0x24, 0x12, 0x14, 0x1e, 0x15, 0x01, 0x17, 0x13, 0x13])).toBe(0x80n);
  });

  it('refuses an unknown or non-CFI op by name, and underflow', async () => {
    const ctx = { reg: () => undefined, readMem: noMem };
    await expect(evaluate(Buffer.from([0x91, 0x00]), ctx)).rejects.toThrow(/DW_OP_fbreg/);
    await expect(evaluate(Buffer.from([0xe0]), ctx)).rejects.toThrow(/DW_OP_0xe0/);
    await expect(evaluate(Buffer.from([0x22]), ctx)).rejects.toThrow(/underflow/);
    await expect(evaluate(Buffer.from([0x77, 0x00]), ctx)).rejects.toThrow(/register 7/);
  });
});

// ---- unit: the walk over a hand-made .debug_frame -------------------------------------------

/** A .debug_frame (32-bit DWARF, version 1 CIEs) from CIEs and FDEs given as instruction bytes. */
function debugFrame(cies: { aug: string; init: number[] }[], fdes: { cie: number; begin: number; size: number; ins: number[] }[]): Buffer {
  const parts: Buffer[] = [];
  const cieAt: number[] = [];
  let off = 0;
  const entry = (body: Buffer): void => {
    const b = Buffer.alloc(4 + body.length);
    b.writeUInt32LE(body.length, 0);
    body.copy(b, 4);
    parts.push(b);
    off += b.length;
  };
  for (const c of cies) {
    cieAt.push(off);
    const aug = Buffer.from(`${c.aug}\0`, 'latin1');
    // id, version 1, augmentation, caf 1, daf -8, ra 16, [aug length 0 for 'z'], initial instructions
    entry(Buffer.from([0xff, 0xff, 0xff, 0xff, 1, ...aug, 1, 0x78, 16, ...(c.aug.startsWith('z') ? [0] : []), ...c.init]));
  }
  for (const f of fdes) {
    const h = Buffer.alloc(20);
    h.writeUInt32LE(cieAt[f.cie]!, 0);
    h.writeBigUInt64LE(BigInt(f.begin), 4);
    h.writeBigUInt64LE(BigInt(f.size), 12);
    const augLen = cies[f.cie]!.aug.startsWith('z') ? [0] : [];
    entry(Buffer.concat([h, Buffer.from([...augLen, ...f.ins])]));
  }
  return Buffer.concat(parts);
}

/** Sparse 8-byte little-endian stack slots; anything else is unmapped. */
function slots(values: Record<number, bigint>): ReadMemory {
  const bytes = new Map<number, number>();
  for (const [at, v] of Object.entries(values)) for (let i = 0; i < 8; i++) bytes.set(Number(at) + i, Number((v >> BigInt(8 * i)) & 0xffn));
  return async (addr, len) => {
    const out: number[] = [];
    for (let i = 0; i < len; i++) {
      const b = bytes.get(Number(addr) + i);
      if (b === undefined) break;
      out.push(b);
    }
    if (out.length === 0) throw new Error('unmapped');
    return Uint8Array.from(out);
  };
}

const CFA_RSP8_RA = [0x0c, 7, 8, 0x90, 1]; // def_cfa rsp+8; r16 at cfa-8
const synthetic = UnwindTable.fromSections({
  debugFrame: {
    data: debugFrame(
      [{ aug: '', init: CFA_RSP8_RA }, { aug: 'zS', init: CFA_RSP8_RA }],
      [
        // f: push rbp at +0 → cfa rsp+16, rbp at cfa-16
        { cie: 0, begin: 0x1000, size: 0x100, ins: [0x41, 0x0e, 16, 0x86, 2] },
        // _start-like: the return address is undefined
        { cie: 0, begin: 0x2000, size: 0x100, ins: [0x07, 16] },
        // rbp-based with a loop in the chain: cfa rbp+16, rbp at cfa-16
        { cie: 0, begin: 0x3000, size: 0x100, ins: [0x0c, 6, 16, 0x86, 2] },
        // a signal trampoline: cfa rsp+256, RA at cfa-8
        { cie: 1, begin: 0x4000, size: 0x100, ins: [0x0e, 0x80, 0x02] },
        // remember/restore, an advance past the row asked for
        { cie: 0, begin: 0x6000, size: 0x100, ins: [0x0a, 0x0e, 32, 0x83, 3, 0x42, 0x0b, 0x48, 0x0e, 48] },
      ],
    ),
  },
});
const synMod: UnwindModule = { bias: 0n, table: synthetic, name: 'synthetic' };
const inSyn = (pc: bigint): UnwindModule | undefined => (pc >= 0x1000n && pc < 0x7000n ? synMod : undefined);

describe('the walk', () => {
  it('recovers rsp = CFA, rbp by rule, rbx as callee-saved, and ends at an undefined RA', async () => {
    const regs = { rip: 0x1010n, rsp: 0x7000n, rbp: 0x1234n, rbx: 0x55n, rax: 0x99n };
    const frames = await unwind(regs, slots({ 0x7000: 0x7300n, 0x7008: 0x2050n }), inSyn);
    expect(frames.map((f) => f.pc)).toEqual([0x1010n, 0x2050n]);
    expect(frames[0]!.cfa).toBe(0x7010n);
    expect(frames[1]!.regs).toEqual({ rsp: 0x7010n, rbp: 0x7300n, rbx: 0x55n, rip: 0x2050n });
    expect(frames.every((f) => f.how === 'cfi')).toBe(true);
  });

  it('rows honour remember/restore_state and stop at the row asked for', () => {
    expect(synthetic.rowAt(0x6001n)).toMatchObject({ cfa: { kind: 'reg', reg: 7, offset: 32 } });
    expect(synthetic.rowAt(0x6001n)!.regs.get(3)).toEqual({ kind: 'offset', offset: -24 });
    const after = synthetic.rowAt(0x6003n)!;
    expect(after.cfa).toEqual({ kind: 'reg', reg: 7, offset: 8 });
    expect(after.regs.has(3)).toBe(false);
    expect(synthetic.rowAt(0x600an)!.cfa).toEqual({ kind: 'reg', reg: 7, offset: 48 });
    expect(synthetic.rowsOfFdeAt(0x6000n).map((r) => [r.start, r.end])).toEqual([[0x6000n, 0x6002n], [0x6002n, 0x600an], [0x600an, 0x6100n]]);
  });

  it('falls back to the frame pointer where no FDE covers the pc, labelled fp', async () => {
    const regs = { rip: 0x9000n, rsp: 0x7000n, rbp: 0x7100n };
    const mem = slots({ 0x7100: 0x7400n, 0x7108: 0x1010n, 0x7118: 0x0n });
    const frames = await unwind(regs, mem, inSyn);
    expect(frames.map((f) => [f.pc, f.how])).toEqual([[0x9000n, 'cfi'], [0x1010n, 'fp']]);
    expect(frames[0]!.cfa).toBe(0x7110n);
    expect(frames[1]!.regs.rbp).toBe(0x7400n);
  });

  it('stops instead of inventing frames: implausible rbp, ASCII return address, unreadable memory', async () => {
    const mem = slots({ 0x7100: 0x7400n, 0x7108: 0x206d6f726620322an });
    for (const rbp of [0x7101n, 0x6f00n, 0x0n, 0x8000n]) {
      expect(await unwind({ rip: 0x9000n, rsp: 0x7000n, rbp }, mem, inSyn), `rbp ${rbp.toString(16)}`).toHaveLength(1);
    }
    // rbp is fine, but [rbp+8] is text on the stack: not a frame.
    expect(await unwind({ rip: 0x9000n, rsp: 0x7000n, rbp: 0x7100n }, mem, inSyn)).toHaveLength(1);
    // a CFI frame whose return-address slot is unreadable ends the walk too.
    expect(await unwind({ rip: 0x1010n, rsp: 0x5000n }, mem, inSyn)).toHaveLength(1);
  });

  it('stops when the CFA does not grow (a loop), at max, and at isOuterFrame', async () => {
    const loop = slots({ 0x7100: 0x7100n, 0x7108: 0x3010n });
    const frames = await unwind({ rip: 0x3008n, rsp: 0x7000n, rbp: 0x7100n }, loop, inSyn);
    expect(frames.map((f) => f.pc)).toEqual([0x3008n, 0x3010n]);
    const chain = slots({ 0x7100: 0x7200n, 0x7108: 0x3010n, 0x7200: 0x7300n, 0x7208: 0x3020n, 0x7300: 0x7400n, 0x7308: 0x3030n });
    expect(await unwind({ rip: 0x3008n, rsp: 0x7000n, rbp: 0x7100n }, chain, inSyn, { max: 2 })).toHaveLength(2);
    const outer = await unwind({ rip: 0x3008n, rsp: 0x7000n, rbp: 0x7100n }, chain, inSyn, { isOuterFrame: (pc) => pc === 0x3020n });
    expect(outer.map((f) => f.pc)).toEqual([0x3008n, 0x3010n, 0x3020n]);
  });

  it("after a signal frame ('S') the caller's pc is looked up exactly, not pc-1", async () => {
    // RA 0x2000 is the first byte of the outermost FDE: pc-1 would miss it.
    const frames = await unwind({ rip: 0x4010n, rsp: 0x7000n, rbp: 0x1n }, slots({ 0x70f8: 0x2000n }), inSyn);
    expect(frames.map((f) => [f.pc, f.signalFrame ?? false])).toEqual([[0x4010n, true], [0x2000n, false]]);
    expect(frames[1]!.cfa).toBe(0x7108n);
  });

  it('corrupt CFI is a ParseError from the table, and the walk carries on without it', async () => {
    const good = debugFrame([{ aug: '', init: CFA_RSP8_RA }], [{ cie: 0, begin: 0x1000, size: 0x100, ins: [0x41, 0x0e, 16] }]);
    const truncated = UnwindTable.fromSections({ debugFrame: { data: good.subarray(0, good.length - 3) } });
    expect(() => truncated.rowAt(0x1010n)).toThrow(ParseError);
    const badOp = UnwindTable.fromSections({ debugFrame: { data: debugFrame([{ aug: '', init: CFA_RSP8_RA }], [{ cie: 0, begin: 0x1000, size: 0x100, ins: [0x2d] }]) } });
    expect(() => badOp.rowAt(0x1000n)).toThrow(/DW_CFA_0x2d/);
    const frames = await unwind({ rip: 0x1010n, rsp: 0x7000n, rbp: 0x1n }, slots({}), () => ({ bias: 0n, table: badOp, name: 'bad' }));
    expect(frames).toHaveLength(1);
  });

  it('a table with no sections has no rows', () => {
    expect(UnwindTable.fromSections({}).rowAt(0x1000n)).toBeUndefined();
  });
});

// ---- CFA programs against readelf -----------------------------------------------------------

describe('CFA programs equal readelf --debug-dump=frames-interp', () => {
  it('every FDE row of the -O2 -fomit-frame-pointer target, PLT expression included', async () => {
    const exe = deepTarget();
    const table = await unwindTableFromFile(exe);
    const fdes = readelfFdes(exe);
    expect(fdes.length).toBeGreaterThan(8);
    for (const f of fdes) compareFde(table, f);
    // The .plt FDE's CFA is a DW_CFA_def_cfa_expression, and rbx/rbp/r12 rules exist somewhere.
    expect(fdes.some((f) => f.rows.some((r) => r.cells[0] === 'exp'))).toBe(true);
    for (const col of ['rbx', 'rbp', 'r12']) expect(fdes.some((f) => f.columns.includes(col)), col).toBe(true);
  });

  it('every libc FDE, the PLT expression and __restore_rt included', async () => {
    const table = await unwindTableFromFile(LIBC);
    const fdes = readelfFdes(LIBC);
    expect(fdes.length).toBe(3713);
    expect(fdes.filter((f) => f.rows.some((r) => r.cells.includes('exp'))).length).toBeGreaterThan(1);
    for (const f of fdes) compareFde(table, f);
  });

  it('libc: 3 CIEs zR, zPLR, zRS; the S one marks __restore_rt a signal frame', async () => {
    const buf = readFileSync(LIBC);
    const elfTable = execFileSync('readelf', ['-SW', LIBC], { encoding: 'utf8' });
    const m = /\.eh_frame\s+PROGBITS\s+([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+)/.exec(elfTable)!;
    const [addr, off, size] = [BigInt(`0x${m[1]}`), Number(`0x${m[2]}`), Number(`0x${m[3]}`)];
    const parser = new CfiParser({ kind: 'eh_frame', data: buf.subarray(off, off + size), addr });
    expect(parser.allCies().map((c) => c.augmentation).sort()).toEqual(['zPLR', 'zR', 'zRS']);
    expect(parser.allFdes().length).toBe(3713);
    // __restore_rt's FDE: the one with a rule for every register; it starts a byte early (a nop)
    // so that even a pc-1 lookup lands in it.
    const fdeStart = readelfFdes(LIBC).find((f) => f.columns.length > 16)!.begin;
    const row = (await unwindTableFromFile(LIBC)).rowAt(fdeStart + 1n)!;
    expect(row.signalFrame).toBe(true);
    expect(row.cfa.kind).toBe('expr');
    expect([...row.regs.values()].every((r) => r.kind === 'expr')).toBe(true);
    expect((await unwindTableFromFile(LIBC)).rowAt(fdeStart - 0x40n)?.signalFrame ?? false).toBe(false);
  });

  it('without .eh_frame_hdr (a sorted index) finds the same rows; .debug_frame is consulted after .eh_frame', async () => {
    const exe = deepTarget();
    const buf = readFileSync(exe);
    const sec = (name: string) => {
      const m = new RegExp(`\\${name}\\s+PROGBITS\\s+([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+)`).exec(execFileSync('readelf', ['-SW', exe], { encoding: 'utf8' }))!;
      const off = Number(`0x${m[2]}`);
      return { addr: BigInt(`0x${m[1]}`), data: buf.subarray(off, off + Number(`0x${m[3]}`)) };
    };
    const withHdr = await unwindTableFromFile(exe);
    const noHdr = UnwindTable.fromSections({ ehFrame: sec('.eh_frame') });
    for (const f of readelfFdes(exe)) for (let pc = f.begin; pc < f.end; pc += 3n) expect(noHdr.rowAt(pc), pc.toString(16)).toEqual(withHdr.rowAt(pc));
    expect(noHdr.rowAt(0n)).toBeUndefined();

    // A .debug_frame of its own: gcc -fno-asynchronous-unwind-tables -g puts the CFI there only.
    const dir = mkdtempSync(join(tmpdir(), 'pdbg-unwind-'));
    const obj = join(dir, 'df');
    execFileSync('gcc', ['-O2', '-g', '-fno-asynchronous-unwind-tables', '-fno-unwind-tables', '-fno-exceptions', '-o', obj, join(repoRoot, 'test/targets/unwind-deep.c')]);
    const dbuf = readFileSync(obj);
    const dm = /\.debug_frame\s+PROGBITS\s+([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+)/.exec(execFileSync('readelf', ['-SW', obj], { encoding: 'utf8' }))!;
    const doff = Number(`0x${dm[2]}`);
    const debugFrame = { data: dbuf.subarray(doff, doff + Number(`0x${dm[3]}`)) };
    const both = UnwindTable.fromSections({ debugFrame });
    // Its .eh_frame (the linker's, for .plt only) first, then .debug_frame for everything else.
    const em = /\.eh_frame\s+PROGBITS\s+([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+)/.exec(execFileSync('readelf', ['-SW', obj], { encoding: 'utf8' }))!;
    const eoff = Number(`0x${em[2]}`);
    const layered = UnwindTable.fromSections({ ehFrame: { addr: BigInt(`0x${em[1]}`), data: dbuf.subarray(eoff, eoff + Number(`0x${em[3]}`)) }, debugFrame });
    for (const f of readelfFdes(obj)) compareFde(layered, f);
    const dfFdes = readelfFdes(obj).filter((f) => f.section === '.debug_frame' && f.rows.length > 0);
    expect(dfFdes.length).toBeGreaterThan(3);
    for (const f of dfFdes) compareFde(both, f);
  });
});

// ---- live, against gdb ----------------------------------------------------------------------

const gdbScript = join(mkdtempSync(join(tmpdir(), 'pdbg-unwind-gdb-')), 'pcs.py');
writeFileSync(
  gdbScript,
  [
    'import gdb',
    'f = gdb.newest_frame()',
    'kinds = {gdb.NORMAL_FRAME: "normal", gdb.INLINE_FRAME: "inline", gdb.TAILCALL_FRAME: "tailcall", gdb.SIGTRAMP_FRAME: "sigtramp"}',
    'while f is not None:',
    '    print("PDBG-PC 0x%x %s %s" % (f.pc(), kinds.get(f.type(), "other"), f.name()))',
    '    f = f.older()',
    '',
  ].join('\n'),
);

/**
 * gdb's frame pcs of a process nobody traces (gdb attaches and detaches). Only the frames that
 * are on the stack: with libc6-dbg gdb also shows inlined calls (the same pc again) and tail
 * calls it infers from DWARF call-site info (pthread_kill's jmp to __pthread_kill_implementation),
 * which CFI cannot see and a stack walk does not claim to.
 */
function gdbPcs(pid: number, pastMain = false): { pc: bigint; name: string }[] {
  const out = execFileSync('gdb', ['-nx', '-batch', '-p', String(pid), '-ex', `set backtrace past-main ${pastMain ? 'on' : 'off'}`, '-x', gdbScript], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  return [...out.matchAll(/^PDBG-PC (0x[0-9a-f]+) (\S+) (\S+)/gm)]
    .filter((m) => m[2] === 'normal' || m[2] === 'sigtramp')
    .map((m) => ({ pc: BigInt(m[1]!), name: m[3]! }));
}

let fs: ProcFs;
const loose: number[] = [];
const sessions: Session[] = [];
const work = mkdtempSync(join(tmpdir(), 'pdbg-unwind-live-'));

/** A running process that is not our child (the tracer refuses its own children), started stopped and continued. */
async function startLoose(argv: string[], stdin: 'ignore' | string = 'ignore'): Promise<{ pid: number; out: string }> {
  const out = join(work, `out-${loose.length}`);
  const pid = await spawnStopped(argv, { stdout: out, stderr: 'ignore', stdin });
  loose.push(pid);
  await waitUntil(() => procState(pid).state === 'T');
  process.kill(pid, 'SIGCONT');
  return { pid, out };
}

async function waitUntil(cond: () => boolean, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The system call the main thread is blocked in (/proc/PID/syscall's first field), or -1 when running. */
function syscallOf(pid: number): number {
  const text = readFileSync(`/proc/${pid}/syscall`, 'utf8');
  return /^\d+/.test(text) ? Number(text.split(' ')[0]) : -1;
}

const SYS_read = 0;
const SYS_clock_nanosleep = 230;

/**
 * Waits until the main thread sleeps in one of `syscalls` (a sleeping state alone is not enough:
 * a program starting up sleeps in other calls first, and its registers are then elsewhere).
 */
async function waitBlocked(pid: number, syscalls: number[], out?: string): Promise<void> {
  if (out) await waitUntil(() => /ready/.test(readFileSync(out, 'utf8')));
  await waitUntil(() => procState(pid).state === 'S' && syscalls.includes(syscallOf(pid)));
}

interface Walk {
  readonly frames: UnwoundFrame[];
  readonly moduleAt: (pc: bigint) => UnwindModule | undefined;
  readonly names: string[];
  readonly regs: Record<string, bigint>;
  /** The memory the walk read, served again after detach. */
  readonly snapshot: ReadMemory;
  /** A second walk's time, warm tables, memory read through the attached session. */
}

/** Attaches, unwinds the main thread with pdbg, detaches; moduleAt tables from each mapped file. */
async function pdbgWalk(pid: number): Promise<Walk> {
  const s = await Session.attach(fs, pid);
  sessions.push(s);
  try {
    const syms = await ProcessSymbols.forProcess(fs, pid);
    const mods = await Promise.all(syms.modules.map(async (m) => ({
      ranges: m.ranges,
      mod: { bias: m.bias, name: m.path, table: await unwindTableFromFile(join('/proc', String(pid), 'root', m.path)) },
    })));
    const moduleAt = (pc: bigint): UnwindModule | undefined => mods.find((m) => m.ranges.some((r) => pc >= r.start && pc < r.end))?.mod;
    const regs = await s.regs();
    // Remembered blocks, so the same stack can be walked again after detach (for timing).
    const seen = new Map<bigint, Uint8Array>();
    const read: ReadMemory = async (addr, len) => {
      const b = new Uint8Array(await s.readMem(addr, len));
      seen.set(addr, b);
      return b;
    };
    const frames = await unwind(regs, read, moduleAt);
    // Again, memory through the session (each walk reads the stack afresh): the same frames.
    const live = await unwind(regs, (addr, len) => s.readMem(addr, len), moduleAt);
    if (live.map((f) => f.pc).join() !== frames.map((f) => f.pc).join()) throw new Error('a walk through the session differs from the recorded one');
    const snapshot: ReadMemory = async (addr, len) => {
      const exact = seen.get(addr);
      if (exact && exact.length >= len) return exact.subarray(0, len);
      for (const [a, b] of seen) if (addr >= a && addr + BigInt(len) <= a + BigInt(b.length)) return b.subarray(Number(addr - a), Number(addr - a) + len);
      throw new Error('not in snapshot');
    };
    const names = frames.map((f, i) => syms.symbolAt(i === 0 || frames[i - 1]!.signalFrame ? f.pc : f.pc - 1n)?.name ?? '??');
    return { frames, moduleAt, names, regs, snapshot };
  } finally {
    await s.detach();
    sessions.splice(sessions.indexOf(s), 1);
  }
}

describe.skipIf(!liveOk('unwind vs gdb'))('CFI unwind of live processes against gdb', () => {
  beforeAll(async () => {
    fs = await openProcFs();
  });
  afterEach(async () => {
    await releaseSessions(sessions);
    killPids(loose);
  });
  afterAll(killAll);

  const compare = async (pid: number): Promise<Walk & { gdb: { pc: bigint; name: string }[] }> => {
    const walk = await pdbgWalk(pid);
    expect(procState(pid).tracerPid).toBe(0);
    const gdb = gdbPcs(pid, true);
    if (process.env.UNWIND_DEBUG) process.stderr.write(`${walk.frames.map((f, i) => `${f.pc.toString(16)} ${walk.names[i]} ${f.how} cfa=${f.cfa?.toString(16)} ${f.signalFrame ? 'S' : ''}`).join('\n')}\n--gdb\n${gdb.map((g) => `${g.pc.toString(16)} ${g.name}`).join('\n')}\n`);
    expect(walk.frames.map((f) => `0x${f.pc.toString(16)}`)).toEqual(gdb.map((g) => `0x${g.pc.toString(16)}`));
    return { ...walk, gdb };
  };

  it('the -O2 -fomit-frame-pointer chain blocked in nanosleep: every pc equals gdb\'s, to _start', async () => {
    const { pid, out } = await startLoose([deepTarget()]);
    await waitBlocked(pid, [SYS_clock_nanosleep], out);
    const walk = await compare(pid);
    const names = walk.names;
    const i = names.indexOf('block_forever');
    expect(names.slice(i, i + 7)).toEqual(['block_forever', 'level5', 'level4', 'level3', 'level2', 'level1', 'main']);
    expect(names[names.length - 1]).toBe('_start');
    expect(walk.frames.every((f) => f.how === 'cfi')).toBe(true);
    // gdb's default (past-main off) ends at main: isOuterFrame does the same.
    const gdbDefault = gdbPcs(pid, false);
    expect(gdbDefault[gdbDefault.length - 1]!.name).toBe('main');
    const mainAt = walk.frames[walk.names.indexOf('main')]!.pc;
    const toMain = await unwind(walk.regs, walk.snapshot, walk.moduleAt, { isOuterFrame: (pc) => pc === mainAt });
    expect(toMain.map((f) => f.pc)).toEqual(gdbDefault.map((g) => g.pc));
  });

  it('through a signal frame: handler → __restore_rt → the interrupted raise → main, as gdb', async () => {
    const { pid, out } = await startLoose([deepTarget(), 'signal']);
    await waitBlocked(pid, [SYS_clock_nanosleep], out);
    const walk = await compare(pid);
    const sig = walk.frames.findIndex((f) => f.signalFrame);
    expect(sig).toBeGreaterThan(0);
    // libc has no .symtab here: gdb names __restore_rt from libc6-dbg, pdbg's symbols cannot.
    expect(walk.gdb[sig]!.name).toBe('__restore_rt');
    expect(walk.names.slice(0, sig)).toEqual(expect.arrayContaining(['block_forever', 'on_usr1']));
    expect(walk.names.slice(sig)).toEqual(expect.arrayContaining(['level5', 'level1', 'main']));
    // The interrupted frame has every register back from the ucontext, rax included.
    expect(Object.keys(walk.frames[sig + 1]!.regs).sort()).toEqual([...DWARF_REG_NAMES].sort());
  });

  it('python3 -c "time.sleep" (a system binary): every pc equals gdb\'s', async () => {
    const { pid } = await startLoose(['python3', '-c', 'import time; time.sleep(100)']);
    await waitBlocked(pid, [SYS_clock_nanosleep]);
    const walk = await compare(pid);
    expect(walk.frames.length).toBeGreaterThan(5);
  });

  it('bash blocked in read on a fifo, and sleep: every pc equals gdb\'s', async () => {
    const fifo = join(work, 'fifo');
    mkdirSync(work, { recursive: true });
    execFileSync('mkfifo', [fifo]);
    const bash = await startLoose(['bash', '-c', `exec 3<>${fifo}; read x <&3`]);
    const sleep = await startLoose(['sleep', '100']);
    await waitBlocked(bash.pid, [SYS_read]);
    await waitBlocked(sleep.pid, [SYS_clock_nanosleep]);
    expect((await compare(bash.pid)).frames.length).toBeGreaterThan(3);
    expect((await compare(sleep.pid)).frames.length).toBeGreaterThan(2);
  });

  it('a 30-frame walk through libc equals gdb, and the tables are parsed once (its speed is the bench row `backtrace`)', async () => {
    const { pid, out } = await startLoose([deepTarget(), 'deep']);
    await waitBlocked(pid, [SYS_clock_nanosleep], out);
    const walk = await compare(pid);
    expect(walk.frames.length).toBeGreaterThanOrEqual(30);
    // The table of an image is built once and shared: the same object, and the same frames again.
    expect(await unwindTableFromFile(LIBC)).toBe(await unwindTableFromFile(LIBC));
    const again = await unwind(walk.regs, walk.snapshot, walk.moduleAt);
    expect(again.map((f) => f.pc)).toEqual(walk.frames.map((f) => f.pc));
  });
});

