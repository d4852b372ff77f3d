import { describe, expect, it } from 'vitest';
import { ProcfsError } from '../src/procfs/errors.js';
import { evalAddress, evalExpr, numeric, parseExpr, type EvalContext, type Value } from '../src/engine/expr.js';
import { formatValue } from '../src/commands/gdbfmt.js';
import { parseExamineFormat } from '../src/commands/examine.js';
import { parseBreakArgs, parseBreakNumbers } from '../src/commands/break-args.js';
import { splitCommandLine } from '../src/commands/commands.js';

/** A fake stopped thread: a few registers, 64 bytes of memory at 0x1000, two symbols. */
const mem = Buffer.alloc(64);
mem.writeBigUInt64LE(0x1122334455667788n, 0);
mem.writeInt32LE(-5, 8);
mem.write('hi\0', 16, 'latin1');
const regs: Record<string, bigint> = { rax: 0xffffffff_00000007n, rdi: 5n, rsi: 0x1000n, rsp: 0x1008n, rip: 0x401136n, rbp: 0x1010n };
const history: Value[] = [];
const ctx: EvalContext = {
  reg: async (n) => {
    if (!(n in regs)) return 0n;
    return regs[n]!;
  },
  read: async (addr, len) => {
    const off = Number(addr - 0x1000n);
    if (off < 0 || off + len > mem.length) throw new ProcfsError('EIO', 'unmapped');
    return mem.subarray(off, off + len);
  },
  symbol: async (n) => (n === 'main' ? 0x401130n : n === 'flag' ? 0x1008n : undefined),
  history: (i) => history[i - 1],
  historyLength: () => history.length,
};
const ev = async (t: string) => numeric(await evalExpr(t, ctx));
const err = async (t: string) => {
  try {
    await evalExpr(t, ctx);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`no error for ${t}`);
};

describe('expressions: parsing and precedence', () => {
  it('follows C precedence and associativity', async () => {
    expect(await ev('1 + 2 * 3')).toBe(7n);
    expect(await ev('(1 + 2) * 3')).toBe(9n);
    expect(await ev('10 - 4 - 3')).toBe(3n);
    expect(await ev('1 << 4 + 1')).toBe(32n);
    expect(await ev('6 & 3 == 3')).toBe(0n); // == binds tighter than &, as in C
    expect(await ev('1 | 2 ^ 3 & 1')).toBe(3n);
    expect(await ev('2 < 3 && 3 < 2 || 1')).toBe(1n);
    expect(await ev('-3 / 2')).toBe(-1n);
    expect(await ev('-7 % 3')).toBe(-1n);
    expect(await ev('~0')).toBe(-1n);
    expect(await ev('!5 + !0')).toBe(1n);
    expect(await ev('0x10 + 010')).toBe(24n);
    expect(await ev("'a'")).toBe(97n);
  });
  it('compares signed when both sides are signed, unsigned otherwise', async () => {
    expect(await ev('-1 < 0')).toBe(1n);
    expect(await ev('(unsigned long)-1 > 0')).toBe(1n);
    expect(await ev('0xffffffffffffffff > 0')).toBe(1n); // too large for long: unsigned, like gdb
  });
  it('reads registers: $name, bare names, aliases and sub-registers', async () => {
    expect(await ev('$rdi')).toBe(5n);
    expect(await ev('rdi == 5')).toBe(1n);
    expect(await ev('$pc')).toBe(0x401136n);
    expect(await ev('$sp + 8')).toBe(0x1010n);
    expect(await ev('$eax')).toBe(7n);
    expect(await ev('$ax')).toBe(7n);
    expect((await evalExpr('$rip', ctx)).type).toEqual({ kind: 'ptr', to: 'code' });
    expect((await evalExpr('$rsp', ctx)).type).toEqual({ kind: 'ptr', to: 'void' });
  });
  it('symbols are addresses; SYM+OFF and &SYM', async () => {
    expect(await evalAddress('main', ctx)).toBe(0x401130n);
    expect(await evalAddress('main+4', ctx)).toBe(0x401134n);
    expect(await evalAddress('&main', ctx)).toBe(0x401130n);
  });
  it('dereferences: 8 bytes by default, sized with :N, typed by a cast', async () => {
    expect(await ev('*$rsi')).toBe(0x1122334455667788n);
    expect(await ev('*$rsi:1')).toBe(0x88n);
    expect(await ev('*$rsi:2')).toBe(0x7788n);
    expect(await ev('*($rsi+8):4')).toBe(0xfffffffbn);
    expect(await ev('*(int*)&flag')).toBe(-5n);
    expect(await ev('*(unsigned int *)&flag')).toBe(0xfffffffbn);
    expect(await ev('*(char*)($rsi+16)')).toBe(104n);
    expect(await ev('*(short*)$rsi')).toBe(0x7788n);
    expect(await ev('*(long*)$rsi')).toBe(0x1122334455667788n);
    expect(await ev('*(unsigned char *)$rsi')).toBe(0x88n);
    expect(await ev('*((int*)$rsi + 2)')).toBe(-5n); // pointer arithmetic scales like C
    expect(await ev('(char)0x1ff')).toBe(-1n);
    expect(await ev('$rsi != 0 && *$rsi:1 == 0x88')).toBe(1n);
    expect(await ev('0 && *0')).toBe(0n); // short circuit: no read
  });
  it('reads the value history', async () => {
    history.push({ bits: 10n, type: { kind: 'int', size: 8, signed: true } }, { bits: 20n, type: { kind: 'int', size: 8, signed: true } });
    expect(await ev('$')).toBe(20n);
    expect(await ev('$$')).toBe(10n);
    expect(await ev('$1 + $2')).toBe(30n);
    expect(await ev('$$0')).toBe(20n);
    expect(await err('$9')).toMatch(/history has not yet reached \$9/);
    history.length = 0;
  });
  it('fails with one clear line', async () => {
    expect(await err('$rqx')).toMatch(/^unknown register '\$rqx' \(one of rax rbx/);
    expect(await err('nosuch + 1')).toBe("no symbol 'nosuch' in current context");
    expect(await err('1 / 0')).toBe('division by zero');
    expect(await err('5 % (2 - 2)')).toBe('division by zero');
    expect(await err('*0')).toBe('cannot read memory at 0x0');
    expect(await err('*($rsi + 60)')).toBe('cannot read memory at 0x103c');
    expect(await err('1 2')).toBe("syntax error in expression, near '2'");
    expect(await err('(1 + 2')).toMatch(/syntax error/);
    expect(await err('1 +')).toMatch(/ends too soon/);
    expect(await err('1 # 2')).toMatch(/near '# 2'/);
    expect(await err('*$rsi:3')).toMatch(/deref size must be 1, 2, 4 or 8/);
    expect(await err('(unsigned float*)0')).toMatch(/syntax error|unknown type/);
    for (const t of ['$rqx', '1/0', '1 2', '*0']) expect((await err(t)).includes('\n')).toBe(false);
    expect(() => parseExpr('')).toThrow(/an expression is needed/);
  });
});

describe('gdb formats', () => {
  const v = (bits: bigint, size: 1 | 2 | 4 | 8 = 8, signed = true): Value => ({ bits, type: { kind: 'int', size, signed } });
  const sym = (a: bigint) => (a === 0x401134n ? 'main+4' : undefined);
  it('prints like print/FMT and x/FMT units', () => {
    expect(formatValue(v(255n), 'x', sym)).toBe('0xff');
    expect(formatValue(v(255n), 'x', sym, { size: 4, pad: true })).toBe('0x000000ff');
    expect(formatValue(v(BigInt.asUintN(64, -1n)), 'd', sym)).toBe('-1');
    expect(formatValue(v(BigInt.asUintN(64, -1n)), 'u', sym)).toBe('18446744073709551615');
    expect(formatValue(v(8n), 'o', sym)).toBe('010');
    expect(formatValue(v(5n), 't', sym)).toBe('101');
    expect(formatValue(v(5n), 't', sym, { size: 1, pad: true })).toBe('00000101');
    expect(formatValue(v(104n), 'c', sym)).toBe("104 'h'");
    expect(formatValue(v(10n), 'c', sym)).toBe("10 '\\n'");
    expect(formatValue(v(0n), 'c', sym)).toBe("0 '\\000'");
    expect(formatValue(v(0x401134n), 'a', sym)).toBe('0x401134 <main+4>');
    expect(formatValue({ bits: 0x401134n, type: { kind: 'ptr', to: 'code' } }, '', sym)).toBe('(void (*)()) 0x401134 <main+4>');
    expect(formatValue({ bits: 0x1000n, type: { kind: 'ptr', to: 'void' } }, '', sym)).toBe('(void *) 0x1000');
    expect(formatValue(v(BigInt.asUintN(64, -3n)), '', sym)).toBe('-3');
  });
  it('parses x/NFU with gdb defaults', () => {
    const last = { format: 'x', size: 'w' as const };
    expect(parseExamineFormat('/8xb', last)).toEqual({ count: 8, format: 'x', size: 'b' });
    expect(parseExamineFormat('/4gx', last)).toEqual({ count: 4, format: 'x', size: 'g' });
    expect(parseExamineFormat('/s', last)).toEqual({ count: 1, format: 's', size: 'w' });
    expect(parseExamineFormat('/2a', last)).toEqual({ count: 2, format: 'a', size: 'g' });
    expect(parseExamineFormat('/c', last)).toEqual({ count: 1, format: 'c', size: 'b' });
    expect(parseExamineFormat('/4dw', last)).toEqual({ count: 4, format: 'd', size: 'w' });
    expect(parseExamineFormat('/3', { format: 'd', size: 'h' })).toEqual({ count: 3, format: 'd', size: 'h' });
    expect(() => parseExamineFormat('/8q', last)).toThrow(/undefined format letter 'q'/);
    expect(() => parseExamineFormat('/8xbh', last)).toThrow(/two sizes/);
  });
});

describe('command words', () => {
  it('splits glued formats and gdb info abbreviations', () => {
    expect(splitCommandLine('x/8xb $rsp')).toEqual(['x', '/8xb', '$rsp']);
    expect(splitCommandLine('p/x $rdi')).toEqual(['p', '/x', '$rdi']);
    expect(splitCommandLine('info b')).toEqual(['info-breakpoints']);
    expect(splitCommandLine('info reg rip')).toEqual(['info-registers', 'rip']);
    expect(splitCommandLine('info sym main')).toEqual(['info-symbol', 'main']);
    expect(splitCommandLine('info shared')).toEqual(['info-sharedlibrary']);
    expect(splitCommandLine('info proc mappings')).toEqual(['info-proc', 'mappings']);
  });
  it('splits break LOCATION if COND and breakpoint numbers', () => {
    expect(parseBreakArgs('f if $rdi == 5', 'u')).toEqual({ location: 'f', condition: '$rdi == 5' });
    expect(parseBreakArgs('main', 'u')).toEqual({ location: 'main' });
    expect(parseBreakArgs('*$pc + 4 if 1', 'u')).toEqual({ location: '*$pc + 4', condition: '1' });
    expect(() => parseBreakArgs('f if', 'u')).toThrow(/argument required/);
    expect(() => parseBreakArgs('f g', 'u')).toThrow(/junk at end/);
    expect(parseBreakNumbers(['1', '3-5'])).toEqual([1, 3, 4, 5]);
    expect(() => parseBreakNumbers(['x'])).toThrow(/not a breakpoint number/);
  });
});
