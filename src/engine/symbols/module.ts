import type { ElfImage, ElfSymbol } from '../../elf/parse.js';

/** An ELF file as one process maps it: its symbols plus the load bias that places them. */
export interface LoadedModule {
  /** The path as the process sees it (from maps). */
  readonly path: string;
  readonly image: ElfImage;
  /** Runtime address = link-time address + bias (0 for non-PIE executables). */
  readonly bias: bigint;
  /** The address ranges the process maps from this file. */
  readonly ranges: readonly { readonly start: bigint; readonly end: bigint }[];
  /** The separate debug file found for it (build ID or .gnu_debuglink), if any. */
  readonly debugFile?: string;
  readonly debugImage?: ElfImage;
  /**
   * What address and name lookups search: the debug file's .symtab (full local names) and the
   * image's own tables, by address then name. Same link-time addresses in both files.
   */
  readonly symbols: readonly ElfSymbol[];
}

/** What placing a file needs of a mapping. */
export interface FileMapping {
  readonly start: bigint;
  /** Offset in the file. */
  readonly offset: bigint;
}

/**
 * The load bias from the mapping of a file with the lowest offset:
 * (mapping start − mapping offset) − (segment vaddr − segment offset), for the PT_LOAD that
 * holds that file offset. Zero for ET_EXEC; the ASLR slide for PIE and shared libraries.
 */
export function loadBias(image: ElfImage, mappings: readonly FileMapping[]): bigint | undefined {
  const first = [...mappings].sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0))[0];
  if (!first) return undefined;
  const seg =
    image.segments.find((s) => first.offset >= s.offset && first.offset < s.offset + (s.filesz > 0n ? s.filesz : 1n)) ??
    image.segments[0];
  if (!seg) return undefined;
  return first.start - first.offset - (seg.vaddr - seg.offset);
}

function byAddressThenName(a: ElfSymbol, b: ElfSymbol): number {
  return a.value < b.value ? -1 : a.value > b.value ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * The union of a debug file's symbols and the main file's, sorted. The debug file's .dynsym
 * and PLT are NOBITS there, so only its .symtab counts; a name at an address both files have
 * is kept once (the main file's copy: it knows the PLT and dynsym origin).
 */
export function mergeSymbols(main: readonly ElfSymbol[], debug: readonly ElfSymbol[] | undefined): readonly ElfSymbol[] {
  if (!debug?.length) return main;
  // Images are cached, so every attach to a libc process merges the same two tables: once is
  // enough (and keeps the address index built for the merged table).
  let perMain = merged.get(main);
  const known = perMain?.get(debug);
  if (known) return known;
  const out = mergeUncached(main, debug);
  if (!perMain) merged.set(main, (perMain = new WeakMap()));
  perMain.set(debug, out);
  return out;
}

const merged = new WeakMap<readonly ElfSymbol[], WeakMap<readonly ElfSymbol[], readonly ElfSymbol[]>>();

function mergeUncached(main: readonly ElfSymbol[], debug: readonly ElfSymbol[]): readonly ElfSymbol[] {
  const seen = new Set(main.map((s) => `${s.value}:${s.name}`));
  const out = [...main, ...debug.filter((s) => s.table === 'symtab' && !seen.has(`${s.value}:${s.name}`))];
  return out.sort(byAddressThenName);
}

function rank(s: ElfSymbol): number {
  // Several names often share an address (write, __write, __libc_write): show the one a person
  // would type, as gdb tends to.
  return (s.kind === 'object' ? 0 : 8) + (s.name.startsWith('_') ? 0 : 4) + (s.binding !== 'local' ? 2 : 0) + (s.size > 0 ? 1 : 0);
}

function preferred(a: ElfSymbol, b: ElfSymbol): boolean {
  const ra = rank(a);
  const rb = rank(b);
  return ra > rb || (ra === rb && a.name.length < b.name.length);
}

/**
 * For a sorted table, the running maximum of symbol ends (value + size): the walk back from an
 * address may stop at the first index whose running maximum is at or below it, since no
 * symbol at or before that index can still cover the address.
 */
const reachCache = new WeakMap<readonly ElfSymbol[], BigUint64Array>();

function reachOf(symbols: readonly ElfSymbol[]): BigUint64Array {
  let reach = reachCache.get(symbols);
  if (reach) return reach;
  reach = new BigUint64Array(symbols.length);
  let max = 0n;
  for (let i = 0; i < symbols.length; i++) {
    const s = symbols[i]!;
    const end = s.value + BigInt(s.size);
    if (end > max) max = end;
    reach[i] = max;
  }
  reachCache.set(symbols, reach);
  return reach;
}

/**
 * The symbol naming a link-time address, as gdb's `info symbol` does: a sized symbol whose
 * [value, value+size) holds it; a zero-size one (an assembler label such as `_init`) only at
 * exactly its address, since its extent is unknown. Among covering symbols the one starting
 * nearest below the address wins (the innermost), and among aliases at that start the best
 * ranked: code over data, public over `_`-prefixed, global over local, then the shorter name.
 * Undefined in the gaps between functions.
 */
export function symbolAtLinkAddress(symbols: readonly ElfSymbol[], addr: bigint): ElfSymbol | undefined {
  let lo = 0;
  let hi = symbols.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (symbols[mid]!.value <= addr) {
      at = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (at < 0) return undefined;
  const reach = reachOf(symbols);
  let best: ElfSymbol | undefined;
  for (let i = at; i >= 0; i--) {
    const s = symbols[i]!;
    if (best && s.value < best.value) break;
    const covers = s.size > 0 ? addr < s.value + BigInt(s.size) : s.value === addr;
    if (covers && (!best || preferred(s, best))) best = s;
    if (!best && reach[i]! <= addr && s.value < addr) break;
  }
  return best;
}
