/**
 * Addresses as people write them (`0x401136`, `main`, `target_fn+4`, `*0x…`) and as pdbg prints
 * them (`0x401136 <main+4>`), over the process's ELF symbols (symbols/). Symbols load lazily and
 * reload once when a name is missing: libraries appear after exec, and on dlopen.
 */
import { ProcfsError } from '../procfs/errors.js';
import type { ProcFs } from '../procfs/source.js';
import { ProcessSymbols } from './symbols/index.js';

/** An address, or text naming one. */
export type Where = bigint | string;

export interface ParsedWhere {
  /** Set for a numeric address. */
  readonly addr?: bigint;
  /** Set for a symbol, with `offset` added. */
  readonly symbol?: string;
  readonly offset: bigint;
}

/**
 * Splits `0x…`, a decimal number, `*ADDR`, `SYM`, `SYM+OFF`, `SYM-OFF` (OFF decimal or 0x-hex);
 * `SYM@LIB` and gdb's `'LIB'::SYM` name one library's definition.
 */
export function parseWhere(text: string): ParsedWhere {
  let t = text.trim().replace(/^\*/, '');
  // gdb's `'libc.so.6'::malloc` is pdbg's `malloc@libc.so.6`.
  const scoped = /^'([^']+)'::(.+)$/.exec(t);
  if (scoped) t = `${scoped[2]}@${scoped[1]}`;
  if (/^0x[0-9a-f]+$/i.test(t) || /^\d+$/.test(t)) return { addr: inAddressSpace(BigInt(t), text), offset: 0n };
  const m = /^([A-Za-z_.$@][\w.$@]*)(?:\s*([+-])\s*(0x[0-9a-f]+|\d+))?$/i.exec(t);
  if (!m) throw new ProcfsError('EINVAL', `not an address or symbol: '${text}'`);
  const off = m[3] ? inAddressSpace(BigInt(m[3]), text) : 0n;
  return { symbol: m[1]!, offset: m[2] === '-' ? -off : off };
}

const ADDRESS_END = 1n << 64n;

/**
 * Addresses are 64-bit: past that a number is a typo, not an unmapped page (the kernel would
 * answer EIO for it, or a truncated offset would read some other address).
 */
function inAddressSpace(v: bigint, text: string): bigint {
  if (v < 0n || v >= ADDRESS_END) throw new ProcfsError('EINVAL', `address out of range: '${text}' (0 to 0xffffffffffffffff)`);
  return v;
}

export class Locator {
  private symbols: ProcessSymbols | undefined;
  private tried = false;

  constructor(
    private readonly fs: ProcFs,
    private readonly pid: number,
  ) {}

  /** Loads the symbols if not yet tried; never throws (no symbols = addresses only). */
  async load(force = false): Promise<ProcessSymbols | undefined> {
    if (this.tried && !force) return this.symbols;
    this.tried = true;
    try {
      this.symbols = await ProcessSymbols.forProcess(this.fs, this.pid);
    } catch {
      this.symbols = undefined;
    }
    return this.symbols;
  }

  /** After exec: the address space is new. */
  invalidate(): void {
    this.symbols = undefined;
    this.tried = false;
  }

  /** The executable's entry point in this process (its ELF e_entry plus load bias), if known. */
  async entry(): Promise<bigint | undefined> {
    const syms = await this.load(true);
    if (!syms) return undefined;
    let exe: string;
    try {
      exe = (await this.fs.read(this.pid, 'file')).toString('utf8').trim();
    } catch {
      return undefined;
    }
    const mod = syms.modules.find((m) => m.path === exe);
    return mod ? mod.image.entry + mod.bias : undefined;
  }

  async resolve(where: Where): Promise<bigint> {
    if (typeof where === 'bigint') return where;
    const p = parseWhere(where);
    if (p.addr !== undefined) return p.addr;
    let hit = (await this.load())?.find(p.symbol!);
    if (!hit) hit = (await this.load(true))?.find(p.symbol!);
    if (!hit) {
      throw new ProcfsError('ENOENT', this.symbols
        ? `no symbol '${p.symbol}' in pid ${this.pid}'s executable or libraries`
        : `no symbols for pid ${this.pid}: cannot resolve '${p.symbol}'`, this.pid);
    }
    return inAddressSpace(hit.address + p.offset, where);
  }

  /** `<main+4>` for an address inside a known symbol, else undefined. */
  symbolOf(addr: bigint): string | undefined {
    return this.symbols?.describe(addr);
  }

  /** `0x401136 <main+4>` or `0x401136`. */
  describe(addr: bigint): string {
    const s = this.symbolOf(addr);
    return s ? `0x${addr.toString(16)} <${s}>` : `0x${addr.toString(16)}`;
  }
}
