/**
 * gdb-style expressions over a stopped thread: `$rsp+8`, `*(int*)&flag`, `$rdi == 5 && $rsi`,
 * `main+4`. A parser to a small tree and an evaluator over an `EvalContext`, so the caller picks
 * whose registers they are (today the current thread; later the selected frame's).
 *
 * Grammar (C's precedence, lowest first; every binary operator is left-associative):
 *   expr    := lor
 *   lor     := land  ('||' land)*
 *   land    := bor   ('&&' bor)*
 *   bor     := bxor  ('|' bxor)*
 *   bxor    := band  ('^' band)*
 *   band    := eq    ('&' eq)*
 *   eq      := rel   (('==' | '!=') rel)*
 *   rel     := shift (('<' | '<=' | '>' | '>=') shift)*
 *   shift   := add   (('<<' | '>>') add)*
 *   add     := mul   (('+' | '-') mul)*
 *   mul     := unary (('*' | '/' | '%') unary)*
 *   unary   := ('-' | '+' | '~' | '!') unary
 *            | '*' unary [':' SIZE]          deref: SIZE 1|2|4|8 bytes read unsigned (default: the
 *                                            pointer's target type, else 8 bytes signed)
 *            | '&' NAME                      a symbol's address
 *            | '(' TYPE ')' unary            cast: char short int long, `long long`, unsigned/signed
 *                                            forms, int8_t…uint64_t, void; any of them with `*`
 *            | primary
 *   primary := NUMBER (decimal, 0x-hex, 0-octal) | 'c' (a char literal)
 *            | '$' REG | REG                 a register: $rip $pc $sp $fp $eax $r8d $ax $al …
 *            | '$' | '$$' | '$N' | '$$N'     value history (print's $1, $2…)
 *            | NAME                          a symbol (NAME that is not a register)
 *            | '(' expr ')'
 *
 * Values carry a small type (an integer of 1/2/4/8 bytes, signed or not, or a pointer) so that
 * deref sizes, comparisons and `print`'s natural format come out as gdb's do: literals are
 * int, unsigned int, long or unsigned long as in C; registers are long (rip a code pointer,
 * rsp/rbp `void *`, the 32-bit ones int); binary operators follow C's usual arithmetic
 * conversions (so `-1` is the int 0xffffffff and `$rdi == 5` compares longs; comparison, `/`,
 * `%` and `>>` are signed when the converted type is); pointer `+`/`-` scales by the target's
 * size like C (`void *` and code pointers by 1). Simplification: no floating point, no structs.
 * Differs from gdb: with no debug types, a bare symbol is its *address* (gdb gives an object's
 * value), so `x main` and `break main` work; write `*counter:4` for gdb's `counter`.
 */
import { HOST_ARCH } from '../arch/host.js';
import { BARE, GPR64, OTHER64, REGS, type RegRef } from '../arch/x86-64/sub-registers.js';
import { ProcfsError } from '../procfs/errors.js';

/** What evaluation needs of a stopped target. */
export interface EvalContext {
  /** A register by its Linux name (`rax`, `rip`, `eflags`…); throws EINVAL for an unknown one. */
  reg(name: string): Promise<bigint>;
  /** `len` bytes at `addr`; throws (or returns fewer) for unmapped memory. */
  read(addr: bigint, len: number): Promise<Buffer>;
  /** A symbol's address; undefined (or a one-line error of its own) when there is none by that name. */
  symbol(name: string): Promise<bigint | undefined>;
  /** Value history: `$N` (absolute, 1-based) — undefined when there is no such entry. */
  history?(index: number): Value | undefined;
  /** How many history entries exist (so `$` and `$$N` count back from the newest). */
  historyLength?(): number;
}

/** An integer of a C size, or a pointer to one (to `void`, or to code). */
export type ValueType =
  | { readonly kind: 'int'; readonly size: 1 | 2 | 4 | 8; readonly signed: boolean }
  | { readonly kind: 'ptr'; readonly to: ValueType | 'void' | 'code' };

/** A result: the bits (unsigned, truncated to the type's size) and the type. */
export interface Value {
  readonly bits: bigint;
  readonly type: ValueType;
}

export const LONG: ValueType = { kind: 'int', size: 8, signed: true };
export const ULONG: ValueType = { kind: 'int', size: 8, signed: false };
export const INT: ValueType = { kind: 'int', size: 4, signed: true };
export const VOID_PTR: ValueType = { kind: 'ptr', to: 'void' };
export const CODE_PTR: ValueType = { kind: 'ptr', to: 'code' };

/** A parsed expression. */
export type Expr =
  | { readonly op: 'num'; readonly value: bigint; readonly type: ValueType }
  | { readonly op: 'reg'; readonly name: string }
  | { readonly op: 'hist'; readonly back?: number; readonly index?: number }
  | { readonly op: 'sym'; readonly name: string }
  | { readonly op: 'addr'; readonly name: string }
  | { readonly op: 'unary'; readonly o: '-' | '+' | '~' | '!'; readonly e: Expr }
  | { readonly op: 'deref'; readonly e: Expr; readonly size?: 1 | 2 | 4 | 8 }
  | { readonly op: 'cast'; readonly type: ValueType; readonly e: Expr }
  | { readonly op: 'bin'; readonly o: string; readonly l: Expr; readonly r: Expr };

// ---- registers (their names and parts: src/arch/x86-64/sub-registers.ts) ----------------

/** True for a bare name the evaluator reads as a register (`rsi`, `pc`, `eax`…), not a symbol. */
export function isRegisterName(name: string): boolean {
  return BARE.has(name);
}

function regType(ref: RegRef): ValueType {
  // gdb's types: $rip and $pc are code pointers, $rsp/$rbp (and $sp/$fp) `void *`, the rest long.
  if (ref.size === 8 && ref.of === HOST_ARCH.pcReg) return CODE_PTR;
  if (ref.size === 8 && (ref.of === HOST_ARCH.spReg || ref.of === HOST_ARCH.fpReg)) return VOID_PTR;
  return { kind: 'int', size: ref.size, signed: true };
}

// ---- lexer ------------------------------------------------------------------------------

interface Tok {
  readonly t: 'num' | 'id' | 'var' | 'op' | 'char';
  readonly s: string;
  readonly at: number;
}

const OPS = ['<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '+', '-', '*', '/', '%', '&', '|', '^', '~', '!', '<', '>', '(', ')', ':'];

function bad(text: string, at: number): ProcfsError {
  const rest = text.slice(at).trim();
  return new ProcfsError('EINVAL', rest ? `syntax error in expression, near '${rest}'` : `syntax error in expression '${text}': it ends too soon`);
}

function lex(text: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = text.slice(i);
    let m = /^(0x[0-9a-f]+|\d+)(?![\w.])/i.exec(rest);
    if (m) {
      out.push({ t: 'num', s: m[1]!, at: i });
      i += m[1]!.length;
      continue;
    }
    m = /^\$([A-Za-z_]\w*|\$?\d*)/.exec(rest);
    if (m) {
      out.push({ t: 'var', s: m[1]!, at: i });
      i += m[0].length;
      continue;
    }
    m = /^[A-Za-z_.][\w.@]*/.exec(rest);
    if (m) {
      out.push({ t: 'id', s: m[0], at: i });
      i += m[0].length;
      continue;
    }
    m = /^'(\\.|[^'\\])'/.exec(rest);
    if (m) {
      out.push({ t: 'char', s: m[1]!, at: i });
      i += m[0].length;
      continue;
    }
    const op = OPS.find((o) => rest.startsWith(o));
    if (!op) throw bad(text, i);
    out.push({ t: 'op', s: op, at: i });
    i += op.length;
  }
  return out;
}

// ---- parser -----------------------------------------------------------------------------

const LEVELS: readonly (readonly string[])[] = [
  ['||'], ['&&'], ['|'], ['^'], ['&'], ['==', '!='], ['<', '<=', '>', '>='], ['<<', '>>'], ['+', '-'], ['*', '/', '%'],
];

const TYPE_WORDS = new Set(['char', 'short', 'int', 'long', 'unsigned', 'signed', 'void', 'int8_t', 'uint8_t', 'int16_t', 'uint16_t', 'int32_t', 'uint32_t', 'int64_t', 'uint64_t', 'size_t']);

const ESCAPES: Readonly<Record<string, number>> = { n: 10, t: 9, r: 13, '0': 0, a: 7, b: 8, f: 12, v: 11, e: 27, '\\': 92, "'": 39, '"': 34 };

class Parser {
  private i = 0;
  constructor(
    private readonly text: string,
    private readonly toks: Tok[],
  ) {}

  parse(): Expr {
    if (this.toks.length === 0) throw new ProcfsError('EINVAL', 'an expression is needed');
    const e = this.binary(0);
    if (this.i < this.toks.length) throw bad(this.text, this.toks[this.i]!.at);
    return e;
  }

  private peek(): Tok | undefined {
    return this.toks[this.i];
  }

  private isOp(s: string, k = 0): boolean {
    const t = this.toks[this.i + k];
    return t !== undefined && t.t === 'op' && t.s === s;
  }

  private expect(s: string): void {
    if (!this.isOp(s)) throw bad(this.text, this.peek()?.at ?? this.text.length);
    this.i++;
  }

  private binary(level: number): Expr {
    if (level === LEVELS.length) return this.unary();
    let l = this.binary(level + 1);
    for (;;) {
      const t = this.peek();
      if (!t || t.t !== 'op' || !LEVELS[level]!.includes(t.s)) return l;
      this.i++;
      l = { op: 'bin', o: t.s, l, r: this.binary(level + 1) };
    }
  }

  private unary(): Expr {
    const t = this.peek();
    if (!t) throw bad(this.text, this.text.length);
    if (t.t === 'op') {
      if (t.s === '-' || t.s === '+' || t.s === '~' || t.s === '!') {
        this.i++;
        return { op: 'unary', o: t.s, e: this.unary() };
      }
      if (t.s === '*') {
        this.i++;
        const e = this.unary();
        if (this.isOp(':')) {
          this.i++;
          const n = this.peek();
          if (!n || n.t !== 'num' || !['1', '2', '4', '8'].includes(n.s)) throw new ProcfsError('EINVAL', `deref size must be 1, 2, 4 or 8, near '${this.text.slice(n?.at ?? this.text.length)}'`);
          this.i++;
          return { op: 'deref', e, size: Number(n.s) as 1 | 2 | 4 | 8 };
        }
        return { op: 'deref', e };
      }
      if (t.s === '&') {
        this.i++;
        const n = this.peek();
        if (!n || n.t !== 'id') throw new ProcfsError('EINVAL', `'&' takes a symbol name, near '${this.text.slice(n?.at ?? this.text.length)}'`);
        this.i++;
        return { op: 'addr', name: n.s };
      }
      if (t.s === '(' && this.toks[this.i + 1]?.t === 'id' && TYPE_WORDS.has(this.toks[this.i + 1]!.s)) {
        this.i++;
        const type = this.type();
        this.expect(')');
        return { op: 'cast', type, e: this.unary() };
      }
    }
    return this.primary();
  }

  /** `unsigned long *`, `char*`, `int64_t` … up to the closing parenthesis. */
  private type(): ValueType {
    const words: string[] = [];
    const start = this.peek()!.at;
    while (this.peek()?.t === 'id' && TYPE_WORDS.has(this.peek()!.s)) words.push(this.toks[this.i++]!.s);
    let stars = 0;
    while (this.isOp('*')) {
      stars++;
      this.i++;
    }
    const base = baseType(words, this.text.slice(start, this.peek()?.at ?? this.text.length).trim());
    if (base === 'void' && stars === 0) throw new ProcfsError('EINVAL', 'cannot cast to void');
    let t: ValueType | 'void' = base;
    for (let k = 0; k < stars; k++) t = { kind: 'ptr', to: t };
    return t as ValueType;
  }

  private primary(): Expr {
    const t = this.peek()!;
    this.i++;
    switch (t.t) {
      case 'num': {
        const decimal = !/^0/.test(t.s) || t.s === '0';
        const v = t.s.length > 1 && t.s.startsWith('0') && !/^0x/i.test(t.s) ? BigInt('0o' + t.s.slice(1)) : BigInt(t.s);
        if (v >= 1n << 64n) throw new ProcfsError('EINVAL', `number too large: ${t.s} (64 bits at most)`);
        return { op: 'num', value: v, type: literalType(v, decimal) };
      }
      case 'char': {
        const s = t.s;
        const code = s.length === 2 && s[0] === '\\' ? ESCAPES[s[1]!] : s.length === 1 ? s.charCodeAt(0) : undefined;
        if (code === undefined || code > 255) throw new ProcfsError('EINVAL', `bad character literal '${s}'`);
        return { op: 'num', value: BigInt(code), type: { kind: 'int', size: 1, signed: true } };
      }
      case 'var': {
        const m = /^(\$?)(\d*)$/.exec(t.s);
        if (m) {
          // `$` newest, `$$` one before, `$$N` N back, `$N` absolute.
          if (m[1] === '$') return { op: 'hist', back: m[2] ? Number(m[2]) : 1 };
          return m[2] ? { op: 'hist', index: Number(m[2]) } : { op: 'hist', back: 0 };
        }
        return { op: 'reg', name: t.s };
      }
      case 'id':
        return isRegisterName(t.s) ? { op: 'reg', name: t.s } : { op: 'sym', name: t.s };
      case 'op':
        if (t.s === '(') {
          const e = this.binary(0);
          this.expect(')');
          return e;
        }
        throw bad(this.text, t.at);
    }
  }
}

const UINT: ValueType = { kind: 'int', size: 4, signed: false };

/** C's (and gdb's) type of a literal: int, then (hex and octal only) unsigned int, long, unsigned long. */
function literalType(v: bigint, decimal: boolean): ValueType {
  if (v < 1n << 31n) return INT;
  if (!decimal && v < 1n << 32n) return UINT;
  if (v < 1n << 63n) return LONG;
  return ULONG;
}

function baseType(words: string[], text: string): ValueType | 'void' {
  const w = words.join(' ');
  const fixed = /^(u?)int(8|16|32|64)_t$/.exec(w);
  if (fixed) return { kind: 'int', size: (Number(fixed[2]) / 8) as 1 | 2 | 4 | 8, signed: fixed[1] !== 'u' };
  if (w === 'size_t') return ULONG;
  if (w === 'void') return 'void';
  const unsigned = words.includes('unsigned');
  const rest = words.filter((x) => x !== 'unsigned' && x !== 'signed' && x !== 'int');
  const core = rest.join(' ');
  const size = core === '' ? 4 : core === 'char' ? 1 : core === 'short' ? 2 : core === 'long' || core === 'long long' ? 8 : 0;
  const intOk = words.filter((x) => x === 'int').length <= 1 && (core !== 'char' || !words.includes('int'));
  if (!size || !intOk || words.filter((x) => x === 'unsigned' || x === 'signed').length > 1) {
    throw new ProcfsError('EINVAL', `unknown type '${text}' (char short int long, unsigned …, int8_t … uint64_t, void *)`);
  }
  return { kind: 'int', size: size as 1 | 2 | 4 | 8, signed: !unsigned };
}

/** Parses an expression; EINVAL with gdb's "syntax error … near" for anything left over. */
export function parseExpr(text: string): Expr {
  return new Parser(text, lex(text)).parse();
}

// ---- evaluator --------------------------------------------------------------------------

const M64 = (1n << 64n) - 1n;

function sizeOf(t: ValueType | 'void' | 'code'): number {
  if (t === 'void' || t === 'code') return 1;
  return t.kind === 'int' ? t.size : 8;
}

function truncate(bits: bigint, t: ValueType): bigint {
  return BigInt.asUintN(sizeOf(t) * 8, bits);
}

/** The value as a signed or unsigned bigint, per its type (pointers are unsigned). */
export function numeric(v: Value): bigint {
  const t = v.type;
  if (t.kind === 'int' && t.signed) return BigInt.asIntN(t.size * 8, v.bits);
  return v.bits;
}

function isSigned(t: ValueType): boolean {
  return t.kind === 'int' && t.signed;
}

/**
 * C's usual arithmetic conversions, as gdb applies them: both operands promoted to at least
 * int; the wider type wins; of two the same width, unsigned wins. (A pointer operand is handled
 * apart; here it counts as unsigned long.)
 */
function arithmeticType(l: ValueType, r: ValueType): ValueType {
  const norm = (t: ValueType) => (t.kind === 'ptr' ? ULONG : t.size < 4 ? INT : t);
  const a = norm(l) as Extract<ValueType, { kind: 'int' }>;
  const b = norm(r) as Extract<ValueType, { kind: 'int' }>;
  if (a.size !== b.size) return a.size > b.size ? a : b;
  return a.signed && b.signed ? a : { kind: 'int', size: a.size, signed: false };
}

function truthy(v: Value): boolean {
  return v.bits !== 0n;
}

/** `0x7ffd…` in the messages of failed reads. */
function hexAddr(a: bigint): string {
  return `0x${a.toString(16)}`;
}

/** Reads `len` bytes or fails with gdb's one line; a short read is a failure too. */
export async function readExact(ctx: Pick<EvalContext, 'read'>, addr: bigint, len: number): Promise<Buffer> {
  let b: Buffer;
  try {
    b = await ctx.read(addr, len);
  } catch {
    throw new ProcfsError('EIO', `cannot read memory at ${hexAddr(addr)}`);
  }
  if (b.length < len) throw new ProcfsError('EIO', `cannot read memory at ${hexAddr(addr + BigInt(b.length))}`);
  return b;
}

class Evaluator {
  constructor(private readonly ctx: EvalContext) {}

  async eval(e: Expr): Promise<Value> {
    switch (e.op) {
      case 'num':
        return { bits: e.value, type: e.type };
      case 'reg': {
        const ref = REGS.get(e.name.toLowerCase());
        if (!ref) {
          const names = [...GPR64, ...OTHER64, 'pc', 'sp', 'fp', 'eax', 'ax', 'al', 'r8d', '…'];
          throw new ProcfsError('EINVAL', `unknown register '$${e.name}' (one of ${names.join(' ')})`);
        }
        const full = await this.ctx.reg(ref.of);
        const t = regType(ref);
        return { bits: BigInt.asUintN(ref.size * 8, full >> BigInt(ref.shift)), type: t };
      }
      case 'hist': {
        const n = this.ctx.historyLength?.() ?? 0;
        const index = e.index ?? n - (e.back ?? 0);
        const v = index >= 1 ? this.ctx.history?.(index) : undefined;
        if (!v) {
          if (n === 0 && e.index === undefined) throw new ProcfsError('EINVAL', 'history is empty');
          throw new ProcfsError('EINVAL', e.index !== undefined ? `history has not yet reached $${e.index}` : `history is shorter than ${(e.back ?? 0) + 1}`);
        }
        return v;
      }
      case 'sym':
      case 'addr': {
        const a = await this.ctx.symbol(e.name);
        if (a === undefined) throw new ProcfsError('ENOENT', `no symbol '${e.name}' in current context`);
        return { bits: a, type: VOID_PTR };
      }
      case 'unary': {
        const v = await this.eval(e.e);
        switch (e.o) {
          case '+':
            return v;
          case '-':
            return { bits: truncate(-v.bits, widen(v.type)), type: widen(v.type) };
          case '~':
            return { bits: truncate(~v.bits, widen(v.type)), type: widen(v.type) };
          case '!':
            return { bits: truthy(v) ? 0n : 1n, type: INT };
        }
        break;
      }
      case 'deref': {
        const p = await this.eval(e.e);
        const target: ValueType = p.type.kind === 'ptr' && typeof p.type.to === 'object' ? p.type.to : LONG;
        // `:N` reads N bytes as an unsigned number (`*$rdi:1 == 0x88` holds); a cast chooses signedness.
        const type: ValueType = e.size !== undefined ? { kind: 'int', size: e.size, signed: false } : target;
        const n = sizeOf(type);
        const b = await readExact(this.ctx, p.bits, n);
        let bits = 0n;
        for (let k = n - 1; k >= 0; k--) bits = (bits << 8n) | BigInt(b[k]!);
        return { bits, type };
      }
      case 'cast': {
        const v = await this.eval(e.e);
        return { bits: truncate(BigInt.asUintN(64, numeric(v)), e.type), type: e.type };
      }
      case 'bin':
        return this.binary(e);
    }
    throw new ProcfsError('EINVAL', 'bad expression');
  }

  private async binary(e: Extract<Expr, { op: 'bin' }>): Promise<Value> {
    const l = await this.eval(e.l);
    // C's short circuit: `$rdi != 0 && *$rdi` never reads through a null pointer.
    if (e.o === '&&') return truthy(l) ? { bits: truthy(await this.eval(e.r)) ? 1n : 0n, type: INT } : { bits: 0n, type: INT };
    if (e.o === '||') return truthy(l) ? { bits: 1n, type: INT } : { bits: truthy(await this.eval(e.r)) ? 1n : 0n, type: INT };
    const r = await this.eval(e.r);
    const t = arithmeticType(l.type, r.type);
    const signed = t.kind === 'int' && t.signed;
    const width = t.kind === 'int' ? t.size * 8 : 64;
    const as = (v: Value) => (signed ? BigInt.asIntN(width, numeric(v)) : BigInt.asUintN(width, numeric(v)));
    const a = as(l);
    const b = as(r);
    const long = (bits: bigint): Value => ({ bits: BigInt.asUintN(width, bits), type: t });
    const bool = (x: boolean): Value => ({ bits: x ? 1n : 0n, type: INT });
    switch (e.o) {
      case '==': return bool(a === b);
      case '!=': return bool(a !== b);
      case '<': return bool(a < b);
      case '<=': return bool(a <= b);
      case '>': return bool(a > b);
      case '>=': return bool(a >= b);
      case '+':
      case '-':
        return this.additive(e.o, l, r, a, b, long);
      case '*': return long(a * b);
      case '/':
      case '%': {
        if (b === 0n) throw new ProcfsError('EINVAL', 'division by zero');
        return long(e.o === '/' ? a / b : a % b);
      }
      case '&': return long(a & b);
      case '|': return long(a | b);
      case '^': return long(a ^ b);
      case '<<': return long(b >= BigInt(width) || b < 0n ? 0n : a << b);
      case '>>': return long(b >= BigInt(width) || b < 0n ? (a < 0n ? -1n : 0n) : a >> b);
    }
    throw new ProcfsError('EINVAL', `unknown operator '${e.o}'`);
  }

  private additive(o: '+' | '-', l: Value, r: Value, a: bigint, b: bigint, long: (bits: bigint) => Value): Value {
    const lp = l.type.kind === 'ptr';
    const rp = r.type.kind === 'ptr';
    if (lp && rp) {
      if (o === '+') throw new ProcfsError('EINVAL', 'cannot add two pointers');
      const size = BigInt(sizeOf((l.type as { to: ValueType | 'void' | 'code' }).to));
      return { bits: BigInt.asUintN(64, BigInt.asIntN(64, l.bits - r.bits) / size), type: LONG };
    }
    if (lp || rp) {
      const [p, n] = lp ? [l, numeric(r)] : [r, numeric(l)];
      if (rp && o === '-') throw new ProcfsError('EINVAL', 'cannot subtract a pointer from a number');
      const scale = BigInt(sizeOf((p.type as { to: ValueType | 'void' | 'code' }).to));
      // A code pointer plus an offset is an address inside code still (`$pc+4`), printed with `<sym+off>`.
      return { bits: (o === '+' ? p.bits + n * scale : p.bits - n * scale) & M64, type: p.type };
    }
    return long(o === '+' ? a + b : a - b);
  }
}

/** `-`/`~` of a narrow integer gives an int-sized result, as C's promotion does. */
function widen(t: ValueType): ValueType {
  if (t.kind === 'int' && t.size < 4) return INT;
  return t;
}

/** Evaluates a parsed expression. */
export function evaluate(e: Expr, ctx: EvalContext): Promise<Value> {
  return new Evaluator(ctx).eval(e);
}

/** Parses and evaluates `text`. */
export function evalExpr(text: string, ctx: EvalContext): Promise<Value> {
  return evaluate(parseExpr(text), ctx);
}

/** Parses and evaluates `text` to a 64-bit address (what `x` and `break` need). */
export async function evalAddress(text: string, ctx: EvalContext): Promise<bigint> {
  return BigInt.asUintN(64, numeric(await evalExpr(text, ctx)));
}
