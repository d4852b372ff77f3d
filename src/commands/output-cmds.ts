/**
 * gdb's output commands: `echo TEXT`, `output EXPR`, `printf "FMT", ARGS…`, and the automatic
 * displays (`display[/FMT] EXPR`, `undisplay [N…]`, `info display`) shown after every stop.
 *
 * Differences from gdb, on purpose: a command's output is whole lines, so `echo` and `output`
 * without a trailing newline still end their line; printf's floating conversions are refused
 * (pdbg's expressions are integers and pointers).
 */
import { ProcfsError } from '../procfs/errors.js';
import { evalExpr, numeric, readExact, type Value } from '../engine/expr.js';
import type { Session } from '../engine/session.js';
import type { Client, Display } from './client.js';
import type { Result } from './debug-command.js';
import { examine, parseExamineFormat } from './examine.js';
import { formatValue } from './gdbfmt.js';
import { parsePrintFormat } from './print-cmd.js';

/** C escapes as gdb's echo and printf take them: \n \t \" \\ \a \b \f \r \v \e \ooo \xHH. */
export function unescapeC(text: string): string {
  return text.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/gs, (_m, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
    const simple: Record<string, string> = { n: '\n', t: '\t', a: '\x07', b: '\b', f: '\f', r: '\r', v: '\v', e: '\x1b', '"': '"', '\\': '\\', "'": "'" };
    if (e in simple) return simple[e]!;
    throw new ProcfsError('EINVAL', `unrecognized escape character \\${e}`);
  });
}

function asLines(text: string): string[] {
  const t = text.endsWith('\n') ? text.slice(0, -1) : text;
  return t === '' && text !== '' ? [''] : t.split('\n');
}

/** Text as echo and printf write it: whole lines, a trailing newline ending the last. */
export type TextResult = Result<'text', { text: string }>;

export function formatText(r: TextResult): string[] {
  return r.data.text === '' ? [] : asLines(r.data.text);
}

export function echoCmd(rest: string): TextResult {
  const text = unescapeC(rest.replace(/^\s/, ''));
  return { kind: 'text', data: { text } };
}

export type OutputResult = Result<'output', { value: bigint; text: string }>;

/** `output EXPR`: the value as print shows it, without `$N = ` and without a history entry. */
export async function outputCmd(c: Client, fmtText: string | undefined, expr: string): Promise<OutputResult> {
  const v = await evalExpr(expr, c.context());
  const text = formatValue(v, parsePrintFormat(fmtText), c.symbolize);
  return { kind: 'output', data: { value: v.bits, text } };
}

/** Splits at top-level commas: not inside quotes or parentheses. */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = '';
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      cur += ch;
      if (ch === '\\') cur += text[++i] ?? '';
      else if (ch === quote) quote = '';
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

/** The longest C string printf's %s reads (gdb reads to the NUL; a bound keeps a bad pointer from reading MBs). */
const STRING_LIMIT = 4096;

async function cString(s: Session, addr: bigint, max: number): Promise<string> {
  const bytes: number[] = [];
  for (let at = addr; bytes.length < max; at += 64n) {
    let chunk: Buffer;
    try {
      chunk = await readExact({ read: (a, l) => s.readMem(a, l) }, at, 64);
    } catch {
      chunk = await s.readMem(at, 1).catch(() => Buffer.alloc(0));
      if (chunk.length === 0) throw new ProcfsError('EFAULT', `Cannot access memory at address 0x${at.toString(16)}`);
    }
    for (const b of chunk) {
      if (b === 0 || bytes.length >= max) return Buffer.from(bytes).toString('latin1');
      bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('latin1');
}

function pad(body: string, flags: string, width: number, numericSign = ''): string {
  const text = numericSign + body;
  if (text.length >= width) return text;
  if (flags.includes('-')) return text.padEnd(width);
  if (flags.includes('0') && numericSign !== undefined && /^[0-9a-fA-Fx]/.test(body)) return numericSign + body.padStart(width - numericSign.length, '0');
  return text.padStart(width);
}

/** One conversion of printf, C's rules for the integer ones. */
async function convert(s: Session, spec: { flags: string; width: number; prec?: number; len: string; conv: string }, v: Value): Promise<string> {
  const { flags, width, prec, len, conv } = spec;
  // The value as its type says (a negative int stays negative), then cut to the conversion's size.
  const bitsOf = (n: number) => BigInt.asUintN(n, numeric(v));
  const size = len === 'l' || len === 'll' || len === 'z' || len === 'j' ? 64 : 32;
  switch (conv) {
    case 'd':
    case 'i': {
      const n = BigInt.asIntN(size, bitsOf(size));
      let digits = (n < 0n ? -n : n).toString();
      if (prec !== undefined) digits = digits.padStart(prec, '0');
      const sign = n < 0n ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
      return pad(digits, prec !== undefined ? flags.replace('0', '') : flags, width, sign);
    }
    case 'u':
    case 'x':
    case 'X':
    case 'o': {
      const n = bitsOf(size);
      let digits = n.toString(conv === 'u' ? 10 : conv === 'o' ? 8 : 16);
      if (conv === 'X') digits = digits.toUpperCase();
      if (prec !== undefined) digits = digits.padStart(prec, '0');
      const alt = flags.includes('#') && n !== 0n ? (conv === 'x' ? '0x' : conv === 'X' ? '0X' : conv === 'o' ? '0' : '') : '';
      return pad(digits, prec !== undefined ? flags.replace('0', '') : flags, width, alt);
    }
    case 'c':
      return pad(String.fromCharCode(Number(bitsOf(8))), flags.replace('0', ''), width);
    case 'p':
      return pad(`0x${bitsOf(64).toString(16)}`, flags.replace('0', ''), width);
    case 's': {
      const str = await cString(s, numeric(v), prec ?? STRING_LIMIT);
      return pad(str, flags.replace('0', ''), width);
    }
  }
  throw new ProcfsError('EINVAL', `Unrecognized format specifier '${conv}' in printf (pdbg's: d i u x X o c s p, with l or ll)`);
}

/** `printf "FMT", ARGS…`: C's printf over pdbg's expressions. */
export async function printfCmd(c: Client, rest: string): Promise<TextResult> {
  const s = c.session;
  const [first, ...args] = splitArgs(rest.trim());
  const m = first === undefined ? null : /^"((?:[^"\\]|\\.)*)"$/s.exec(first);
  if (!m) throw new ProcfsError('EINVAL', 'Bad format string (usage: printf "FORMAT", ARG…)');
  const fmt = unescapeC(m[1]!);
  const ctx = c.context();
  let out = '';
  let argi = 0;
  const re = /%([-+ #0]*)(\d+)?(?:\.(\d+))?(ll|l|z|j)?([a-zA-Z%])/g;
  let last = 0;
  for (let mm = re.exec(fmt); mm; mm = re.exec(fmt)) {
    out += fmt.slice(last, mm.index);
    last = re.lastIndex;
    if (mm[5] === '%') {
      out += '%';
      continue;
    }
    const expr = args[argi++];
    if (expr === undefined) throw new ProcfsError('EINVAL', 'Bad format string, missing \'"\' or too few arguments');
    const v = await evalExpr(expr, ctx);
    out += await convert(s, { flags: mm[1] ?? '', width: Number(mm[2] ?? 0), ...(mm[3] !== undefined ? { prec: Number(mm[3]) } : {}), len: mm[4] ?? '', conv: mm[5]! }, v);
  }
  out += fmt.slice(last);
  if (argi < args.length) throw new ProcfsError('EINVAL', 'Wrong number of arguments for specified format-string');
  return { kind: 'text', data: { text: out } };
}

/** A display's format is x's (a count, a size, `i` or `s`) rather than print's one letter. */
function isExamineFormat(fmt: string): boolean {
  return fmt !== '' && !/^\/[xduotcaz]$/.test(fmt);
}

async function showOne(c: Client, d: Display): Promise<string[]> {
  try {
    if (isExamineFormat(d.fmt)) {
      const st = c.inspect;
      const keep = { format: st.lastFormat, size: st.lastSize, next: st.nextAddress };
      parseExamineFormat(d.fmt, keep);
      const r = await examine(c, d.fmt, d.expr);
      // A display does not move x's defaults.
      Object.assign(st, { lastFormat: keep.format, lastSize: keep.size, nextAddress: keep.next });
      return [`${d.num}: x${d.fmt} ${d.expr}`, ...r.lines.map((l) => l.text)];
    }
    const v = await evalExpr(d.expr, c.context());
    return [`${d.num}: ${d.fmt ? `${d.fmt} ` : ''}${d.expr} = ${formatValue(v, parsePrintFormat(d.fmt || undefined), c.symbolize)}`];
  } catch (err) {
    return [`${d.num}: ${d.fmt ? `${d.fmt} ` : ''}${d.expr} = <error: ${(err as Error).message}>`];
  }
}

/** Every enabled display, as gdb shows them after a stop; none when the target is not stopped. */
export async function displayLines(c: Client): Promise<string[]> {
  if (c.session.state !== 'stopped') return [];
  const out: string[] = [];
  for (const d of c.displays) if (d.enabled) out.push(...(await showOne(c, d)));
  return out;
}

/**
 * What `display` shows: the display added (or null for a bare `display`), and the lines of the
 * displays as they read now (an expression's value is read where its error would be shown).
 */
export type DisplayResult = Result<'display', { num: number; expr: string; format: string } | null> & { readonly shown: string[] };

/** `display[/FMT] EXPR`: adds it and shows it now; a bare `display` shows them all. */
export async function displayCmd(c: Client, fmtText: string | undefined, expr: string): Promise<DisplayResult> {
  if (expr.trim() === '') return { kind: 'display', data: null, shown: await displayLines(c) };
  if (fmtText !== undefined && !isExamineFormat(fmtText)) parsePrintFormat(fmtText);
  if (fmtText !== undefined && isExamineFormat(fmtText)) parseExamineFormat(fmtText, { format: 'x', size: 'w' });
  const d: Display = { num: c.nextDisplay++, expr: expr.trim(), fmt: fmtText ?? '', enabled: true };
  c.displays.push(d);
  return { kind: 'display', shown: c.session.state === 'stopped' ? await showOne(c, d) : [], data: { num: d.num, expr: d.expr, format: d.fmt } };
}

export type UndisplayResult = Result<'undisplay', { deleted: 'all' | number[] }>;

/** `undisplay [N…]`: deletes those displays (all without N). */
export function undisplayCmd(c: Client, args: readonly string[]): UndisplayResult {
  if (args.length === 0) {
    c.displays = [];
    return { kind: 'undisplay', data: { deleted: 'all' } };
  }
  const nums = args.map((a) => {
    if (!/^\d+$/.test(a)) throw new ProcfsError('EINVAL', `Arguments must be display numbers: '${a}'`);
    return Number(a);
  });
  for (const n of nums) if (!c.displays.some((d) => d.num === n)) throw new ProcfsError('EINVAL', `No display number ${n}.`);
  c.displays = c.displays.filter((d) => !nums.includes(d.num));
  return { kind: 'undisplay', data: { deleted: nums } };
}

export type DisplayList = Result<'display-list', { num: number; enabled: boolean; format: string; expr: string }[]>;

/** `info display`, as gdb lists them. */
export function infoDisplay(c: Client): DisplayList {
  return { kind: 'display-list', data: c.displays.map((d) => ({ num: d.num, enabled: d.enabled, format: d.fmt, expr: d.expr })) };
}

export function formatDisplayList({ data: list }: DisplayList): string[] {
  if (list.length === 0) return ['There are no auto-display expressions now.'];
  return ['Auto-display expressions now in effect:', 'Num Enb Expression', ...list.map((d) => `${d.num}:   ${d.enabled ? 'y' : 'n'}  ${d.format ? `${d.format} ` : ''}${d.expr}`)];
}
