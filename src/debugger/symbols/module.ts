import type { ElfImage, ElfSymbol } from './elf.js';

/** An ELF file as one process maps it: its symbols plus the load bias that places them. */
export interface LoadedModule {
  /** The path as the process sees it (from maps). */
  readonly path: string;
  readonly image: ElfImage;
  /** Runtime address = link-time address + bias (0 for non-PIE executables). */
  readonly bias: bigint;
  /** The address ranges the process maps from this file. */
  readonly ranges: readonly { readonly start: bigint; readonly end: bigint }[];
}

/**
 * The load bias from the mapping of a file with the lowest offset:
 * (mapping start − mapping offset) − (segment vaddr − segment offset), for the PT_LOAD that
 * holds that file offset. Zero for ET_EXEC; the ASLR slide for PIE and shared libraries.
 */
/** What placing a file needs of a mapping. */
export interface FileMapping {
  readonly start: bigint;
  /** Offset in the file. */
  readonly offset: bigint;
}

export function loadBias(image: ElfImage, mappings: readonly FileMapping[]): bigint | undefined {
  const first = [...mappings].sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0))[0];
  if (!first) return undefined;
  const seg =
    image.segments.find((s) => first.offset >= s.offset && first.offset < s.offset + (s.filesz > 0n ? s.filesz : 1n)) ??
    image.segments[0];
  if (!seg) return undefined;
  return first.start - first.offset - (seg.vaddr - seg.offset);
}

function rank(s: ElfSymbol): number {
  // Several names often share an address (write, __write, __libc_write): show the one a person
  // would type, as gdb tends to.
  return (s.kind === 'object' ? 0 : 8) + (s.name.startsWith('_') ? 0 : 4) + (s.binding !== 'local' ? 2 : 0) + (s.size > 0 ? 1 : 0);
}

/** The symbol covering a link-time address: the nearest at or below it, best-ranked among aliases. */
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
  // Prefer a symbol whose [value, value+size) holds the address; look back a little past
  // zero-size labels and nested aliases.
  let best: ElfSymbol | undefined;
  const v = symbols[at]!.value;
  for (let i = at; i >= 0 && i > at - 64; i--) {
    const s = symbols[i]!;
    const inside = s.size > 0 && addr < s.value + BigInt(s.size);
    if (s.value === v) {
      if (!best || rank(s) > rank(best) || (rank(s) === rank(best) && s.name.length < best.name.length)) best = s;
    } else if (inside && !(best && best.size > 0 && addr < best.value + BigInt(best.size))) {
      return s;
    } else if (s.value !== v) break;
  }
  if (best && best.size > 0 && addr >= best.value + BigInt(best.size) && best.kind === 'object') return undefined;
  return best;
}
