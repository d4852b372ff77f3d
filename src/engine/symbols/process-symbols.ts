import { basename } from 'node:path';
import { ProcfsError } from '../../procfs/errors.js';
import type { ProcFs } from '../../procfs/source.js';
import { DEFAULT_DEBUG_DIRS, findDebugFile, type FoundDebugFile } from './debug-file.js';
import type { FileOpener } from './image-cache.js';
import type { ElfImage, ElfSymbol, SymbolKind } from '../../elf/parse.js';
import { parseLinuxMaps, type MapEntry } from '../../procfs/map.js';
import { openModuleFile, type FileRoot } from './module-file.js';
import { loadBias, mergeSymbols, symbolAtLinkAddress, type LoadedModule } from './module.js';

/** A symbol placed in a process: where it is and, for address lookups, how far in. */
export interface SymbolHit {
  readonly name: string;
  /** Runtime address of the symbol's start. */
  readonly address: bigint;
  /** Bytes from the symbol's start to the address asked about (0 for name lookups). */
  readonly offset: bigint;
  readonly size: number;
  readonly kind: SymbolKind;
  /** Exported (global, weak) or the module's own (local): only exported ones bind calls from elsewhere. */
  readonly binding?: ElfSymbol['binding'];
  /** Path of the file it comes from. */
  readonly module: string;
}

export interface SymbolOptions {
  /**
   * Opens a file as the process sees it: its source's openFile bound to its pid (forProcess),
   * so a jailed process's own libc is read, and a far machine's files come through its agent.
   */
  readonly open: FileOpener;
  /** The views of the filesystem tried in order for every file (default: the target's root, then its machine's). */
  readonly roots?: readonly FileRoot[];
  /** Global debug directories searched for separate debug files (default `/usr/lib/debug`). */
  readonly debugDirs?: readonly string[];
  /** False skips the separate debug file search (names from the mapped files only). */
  readonly debugFiles?: boolean;
}

/** What is at an address: the symbol covering it, if any, and the module mapping it, if any. */
export interface Location {
  readonly symbol?: SymbolHit;
  readonly module?: LoadedModule;
  /** Bytes from the module's load base (the start of its lowest mapping) to the address. */
  readonly moduleOffset?: bigint;
}

/**
 * The symbols of one process: the executable and every mapped shared library, each placed at
 * its load bias from the process's maps.
 */
export class ProcessSymbols {
  /**
   * The executable first, then libraries in the dynamic linker's search order (its link map:
   * preloads, then DT_NEEDED breadth-first, then dlopen'ed ones) once ld.so has built it; before
   * that (the exec stop) or where it cannot be read, in address order.
   */
  readonly modules: readonly LoadedModule[];
  /** Files mapped but unreadable or not ELF, with the reason (shown, never fatal). */
  readonly unavailable: readonly { readonly path: string; readonly reason: string }[];
  private byName?: Map<string, SymbolHit>;
  private everyDefinition?: Map<string, SymbolHit[]>;

  private constructor(modules: LoadedModule[], unavailable: { path: string; reason: string }[]) {
    this.modules = modules;
    this.unavailable = unavailable;
  }

  /**
   * Each mapped file opened through `opts.open` (module-file.ts picks the candidate that is the
   * mapped inode), placed at its load bias, with its separate debug file where one is found.
   */
  static async fromMappings(mappings: readonly MapEntry[], opts: SymbolOptions): Promise<ProcessSymbols> {
    const modules: LoadedModule[] = [];
    const unavailable: { path: string; reason: string }[] = [];
    for (const list of byFile(mappings)) {
      const path = list[0]!.path!;
      let image: ElfImage;
      try {
        image = (await openModuleFile(list, { open: opts.open, ...(opts.roots && { roots: opts.roots }) })).image;
      } catch (err) {
        unavailable.push({ path, reason: (err as Error).message });
        continue;
      }
      const bias = loadBias(image, list);
      if (bias === undefined) continue;
      const debug = opts.debugFiles === false
        ? undefined
        : await findDebugFile(image, path.replace(/ \(deleted\)$/, ''), {
            open: opts.open,
            ...(opts.roots && { roots: opts.roots }),
            debugDirs: opts.debugDirs ?? DEFAULT_DEBUG_DIRS,
          });
      modules.push(placed(path, list, image, bias, debug));
    }
    return ProcessSymbols.ordered(modules, unavailable);
  }

  private static ordered(modules: LoadedModule[], unavailable: { path: string; reason: string }[]): ProcessSymbols {
    // The executable is the ET_EXEC, or the first PIE mapped: the kernel maps it before ld.so
    // loads any library, and maps are in address order only by accident of layout.
    const exeIndex = Math.max(0, modules.findIndex((m) => m.image.type === 'exec'));
    const exe = modules.splice(exeIndex, 1);
    return new ProcessSymbols([...exe, ...modules], unavailable);
  }

  static fromMapsText(text: string, opts: SymbolOptions): Promise<ProcessSymbols> {
    return ProcessSymbols.fromMappings(parseLinuxMaps(text), opts);
  }

  /**
   * Symbols of a process read through a source: its `maps` node, then each mapped file as the
   * target sees it, opened by the source (ProcFs.openFile: a descriptor on live Linux, ranged
   * reads through a remote hop). A tree has no files: its error (EOPNOTSUPP, ENOENT) goes to
   * the caller, who shows "no symbols" and goes on.
   */
  static async forProcess(procfs: ProcFs, pid: number, opts: Omit<SymbolOptions, 'open'> = {}): Promise<ProcessSymbols> {
    const text = (await procfs.read(pid, 'maps')).toString('utf8');
    const syms = await ProcessSymbols.fromMapsText(text, { ...opts, open: (path, o) => procfs.openFile(pid, path, o) });
    const order = await readLinkMap(syms, (addr, len) => procfs.read(pid, 'mem', { offset: addr, length: len }));
    return order.length ? syms.inLinkMapOrder(order) : syms;
  }

  /**
   * The same modules with the ones the link map names first, in its order (`dynamic`: each
   * entry's `l_ld`, the runtime address of its dynamic section, which lies in one module's
   * mappings); the rest (the vdso has no file; a module ld.so does not list) after them.
   */
  inLinkMapOrder(dynamic: readonly bigint[]): ProcessSymbols {
    const rank = new Map<LoadedModule, number>();
    dynamic.forEach((addr, i) => {
      const m = this.moduleAt(addr);
      if (m && !rank.has(m)) rank.set(m, i);
    });
    const listed = this.modules.filter((m) => rank.has(m)).sort((a, b) => rank.get(a)! - rank.get(b)!);
    return new ProcessSymbols([...listed, ...this.modules.filter((m) => !rank.has(m))], [...this.unavailable]);
  }

  /** The module whose mappings contain `addr`. */
  moduleAt(addr: bigint): LoadedModule | undefined {
    return this.modules.find((m) => m.ranges.some((r) => addr >= r.start && addr < r.end));
  }

  /** The function or object at an address, as `name` + `offset`; undefined outside any symbol. */
  symbolAt(addr: bigint): SymbolHit | undefined {
    const mod = this.moduleAt(addr);
    if (!mod) return undefined;
    const sym = symbolAtLinkAddress(mod.symbols, addr - mod.bias);
    return sym && hit(sym, mod, addr - (sym.value + mod.bias));
  }

  /** The symbol and the module at an address; each unset when there is none. */
  locate(addr: bigint): Location {
    const module = this.moduleAt(addr);
    if (!module) return {};
    const symbol = this.symbolAt(addr);
    const base = module.ranges.reduce((lo, r) => (r.start < lo ? r.start : lo), module.ranges[0]!.start);
    return { ...(symbol ? { symbol } : {}), module, moduleOffset: addr - base };
  }

  /** `main+12`, `puts@plt`, or undefined when no symbol covers the address. */
  describe(addr: bigint): string | undefined {
    const h = this.symbolAt(addr);
    if (!h) return undefined;
    return h.offset === 0n ? h.name : `${h.name}+${h.offset}`;
  }

  /**
   * As describe(), and for an address in a module but in no symbol `?? (libc.so.6+0x1234)`:
   * the module's base name and the offset from its load base, which `objdump -d` of the file
   * or addr2line can take further. Undefined outside every module.
   */
  describeLong(addr: bigint): string | undefined {
    const short = this.describe(addr);
    if (short) return short;
    const loc = this.locate(addr);
    if (!loc.module) return undefined;
    return `?? (${basename(loc.module.path.replace(/ \(deleted\)$/, ''))}+0x${loc.moduleOffset!.toString(16)})`;
  }

  /**
   * The address of a name, as the dynamic linker binds a call to it: a function beats a data
   * object of the same name (libc's static `tf` must not hide a library's function `tf`); then
   * the executable's own symbols (so `main` and its static functions win); then the first
   * library in link-map order that exports it (global or weak: a preloaded or earlier-needed
   * library interposes, as jemalloc's `malloc` does libc's); then libraries' local symbols.
   * `NAME@LIB` (gdb: `'LIB'::NAME`) picks LIB's definition, LIB being a module's file name or
   * its start up to a dot (`malloc@libc`, `malloc@libc.so.6`). GLIBC versioned names resolve by
   * their plain name.
   */
  find(name: string): SymbolHit | undefined {
    const direct = this.index().get(name);
    if (direct) return direct[0];
    const at = name.lastIndexOf('@');
    if (at <= 0 || at === name.length - 1) return undefined;
    const [sym, lib] = [name.slice(0, at), name.slice(at + 1)];
    return this.index().get(sym)?.find((h) => moduleNamed(h.module, lib));
  }

  /** Every module's best definition of `name`, the one find() picks first. */
  definitions(name: string): readonly SymbolHit[] {
    return this.index().get(name) ?? [];
  }

  private index(): Map<string, SymbolHit[]> {
    if (this.everyDefinition) return this.everyDefinition;
    const all = new Map<string, { hit: SymbolHit; rank: number }[]>();
    this.modules.forEach((mod, order) => {
      const best = new Map<string, ElfSymbol>();
      for (const s of mod.symbols) {
        const prev = best.get(s.name);
        if (!prev || better(s, prev)) best.set(s.name, s);
      }
      for (const [n, s] of best) {
        const fn = s.kind === 'func' || s.kind === 'ifunc' ? 0 : 1;
        const phase = order === 0 ? 0 : s.binding === 'local' ? 2 : 1;
        const list = all.get(n) ?? [];
        list.push({ hit: hit(s, mod, 0n), rank: (fn * 4 + phase) * 1_000_000 + order });
        all.set(n, list);
      }
    });
    this.everyDefinition = new Map([...all].map(([n, list]) => [n, list.sort((a, b) => a.rank - b.rank).map((x) => x.hit)]));
    return this.everyDefinition;
  }

  /** As find(), or ENOENT naming the symbol. */
  lookup(name: string): SymbolHit {
    const h = this.find(name);
    if (!h) throw new ProcfsError('ENOENT', `no symbol '${name}' in the executable or its libraries`);
    return h;
  }
}

/** `LIB` of `NAME@LIB` names this module: its file name, or that name's start up to a dot or dash. */
function moduleNamed(path: string, lib: string): boolean {
  const base = basename(path.replace(/ \(deleted\)$/, ''));
  return base === lib || base.startsWith(`${lib}.`) || base.startsWith(`${lib}-`) || path === lib;
}

/** `struct r_debug`: r_map (the first link_map) after the int r_version, padded. */
const R_MAP_OFFSET = 8n;
/** `struct link_map`: l_addr, l_name, l_ld, l_next, l_prev. */
const L_LD_OFFSET = 16;
const L_NEXT_OFFSET = 24;
const LINK_MAP_READ = 32;
/** More objects than any process loads: a cycle in a corrupted list ends here. */
const LINK_MAP_LIMIT = 4096;

/**
 * The dynamic linker's list of loaded objects, as `l_ld` addresses in its order (empty before
 * ld.so built it, or when `_r_debug` is not found or not readable). Read from the target's
 * memory: what ld.so searches, which neither maps order nor load addresses tell.
 */
export async function readLinkMap(syms: ProcessSymbols, read: (addr: bigint, len: number) => Promise<Buffer>): Promise<bigint[]> {
  const rDebug = syms.definitions('_r_debug').find((h) => /\bld-linux|\bld\.so|\/ld-/.test(h.module)) ?? syms.find('_r_debug');
  if (!rDebug) return [];
  const out: bigint[] = [];
  try {
    let node = (await read(rDebug.address + R_MAP_OFFSET, 8)).readBigUInt64LE(0);
    const seen = new Set<bigint>();
    while (node !== 0n && !seen.has(node) && out.length < LINK_MAP_LIMIT) {
      seen.add(node);
      const b = await read(node, LINK_MAP_READ);
      if (b.length < LINK_MAP_READ) break;
      out.push(b.readBigUInt64LE(L_LD_OFFSET));
      node = b.readBigUInt64LE(L_NEXT_OFFSET);
    }
  } catch {
    return out;
  }
  return out;
}

/** Mappings grouped by file (inode and path), in maps order. */
function byFile(mappings: readonly MapEntry[]): MapEntry[][] {
  const groups = new Map<string, MapEntry[]>();
  for (const m of mappings) {
    if (!m.path?.startsWith('/') || m.inode === 0) continue;
    const key = `${m.inode}:${m.path}`;
    const list = groups.get(key) ?? [];
    list.push(m);
    groups.set(key, list);
  }
  return [...groups.values()];
}

function placed(path: string, list: readonly MapEntry[], image: ElfImage, bias: bigint, debug: FoundDebugFile | undefined): LoadedModule {
  return {
    path,
    image,
    bias,
    ranges: list.map((m) => ({ start: m.start, end: m.end })),
    ...(debug ? { debugFile: debug.path, debugImage: debug.image } : {}),
    symbols: mergeSymbols(image.symbols, debug?.image.symbols),
  };
}

function better(a: ElfSymbol, b: ElfSymbol): boolean {
  const score = (s: ElfSymbol) => (s.kind === 'func' ? 4 : s.kind === 'ifunc' ? 2 : 0) + (s.binding === 'global' ? 1 : 0) + (s.table === 'plt' ? -8 : 0);
  return score(a) > score(b);
}

function hit(s: ElfSymbol, mod: LoadedModule, offset: bigint): SymbolHit {
  return { name: s.name, address: s.value + mod.bias, offset, size: s.size, kind: s.kind, binding: s.binding, module: mod.path };
}
