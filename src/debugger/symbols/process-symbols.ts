import { basename } from 'node:path';
import { ProcfsError } from '../../procfs/errors.js';
import type { ProcFs } from '../../procfs/source.js';
import { DEFAULT_DEBUG_DIRS, findDebugFile, type FoundDebugFile } from './debug-file.js';
import { loadElfFile, type OpenRule } from './elf-cache.js';
import type { ElfImage, ElfSymbol, SymbolKind } from './elf.js';
import { parseLinuxMaps, type MapEntry } from '../../procfs/map.js';
import { openModuleFile } from './module-file.js';
import { findDebugFileVia, loadModuleVia } from './via-source.js';
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
  /** Path of the file it comes from. */
  readonly module: string;
}

export interface SymbolOptions {
  /**
   * Directory the mapped paths are relative to: `/proc/PID/root` for a live process, so that
   * a jailed process's own libc is read, not the host's.
   */
  readonly fileRoot?: string;
  /** Loads an ELF file (tests inject; default: the cached file loader). */
  readonly load?: (path: string, rule?: OpenRule) => ElfImage;
  /**
   * `/proc/PID/map_files` of a live process: opens a mapped file whose path does not lead to
   * the mapped inode (a chroot, a deleted or replaced file). Needs root.
   */
  readonly mapFilesDir?: string;
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
  /** The executable first, then libraries in address order. */
  readonly modules: readonly LoadedModule[];
  /** Files mapped but unreadable or not ELF, with the reason (shown, never fatal). */
  readonly unavailable: readonly { readonly path: string; readonly reason: string }[];
  private byName?: Map<string, SymbolHit>;

  private constructor(modules: LoadedModule[], unavailable: { path: string; reason: string }[]) {
    this.modules = modules;
    this.unavailable = unavailable;
  }

  /**
   * Asynchronous because a debug file's CRC is read in chunks off the event loop
   * (debug-file.ts): pdbg must answer SIGINT while it holds a target and reads a hostile file.
   */
  static async fromMappings(mappings: readonly MapEntry[], opts: SymbolOptions = {}): Promise<ProcessSymbols> {
    const load = opts.load ?? loadElfFile;
    const modules: LoadedModule[] = [];
    const unavailable: { path: string; reason: string }[] = [];
    for (const list of byFile(mappings)) {
      const path = list[0]!.path!;
      let image: ElfImage;
      try {
        image = openModuleFile(list, { load, ...(opts.fileRoot ? { fileRoot: opts.fileRoot } : {}), ...(opts.mapFilesDir ? { mapFilesDir: opts.mapFilesDir } : {}) }).image;
      } catch (err) {
        unavailable.push({ path, reason: (err as Error).message });
        continue;
      }
      const bias = loadBias(image, list);
      if (bias === undefined) continue;
      const debug = opts.debugFiles === false
        ? undefined
        : await findDebugFile(image, path.replace(/ \(deleted\)$/, ''), {
            roots: opts.fileRoot ? [opts.fileRoot, ''] : [''],
            debugDirs: opts.debugDirs ?? DEFAULT_DEBUG_DIRS,
            load,
          });
      modules.push(placed(path, list, image, bias, debug));
    }
    return ProcessSymbols.ordered(modules, unavailable);
  }

  /**
   * The same through a source whose files are not this machine's (a remote hop): every file is
   * fetched with `readFile` and parsed here; no local file is opened (via-source.ts).
   */
  static async fromMappingsVia(fs: ProcFs, pid: number, mappings: readonly MapEntry[], opts: Pick<SymbolOptions, 'debugDirs' | 'debugFiles'> = {}): Promise<ProcessSymbols> {
    const modules: LoadedModule[] = [];
    const unavailable: { path: string; reason: string }[] = [];
    for (const list of byFile(mappings)) {
      const path = list[0]!.path!;
      let image: ElfImage;
      try {
        image = await loadModuleVia(fs, pid, list);
      } catch (err) {
        unavailable.push({ path, reason: (err as Error).message });
        continue;
      }
      const bias = loadBias(image, list);
      if (bias === undefined) continue;
      const debug = opts.debugFiles === false ? undefined : await findDebugFileVia(fs, pid, image, path.replace(/ \(deleted\)$/, ''), opts.debugDirs ?? DEFAULT_DEBUG_DIRS);
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

  static fromMapsText(text: string, opts: SymbolOptions = {}): Promise<ProcessSymbols> {
    return ProcessSymbols.fromMappings(parseLinuxMaps(text), opts);
  }

  /**
   * Symbols of a process read through a source: its `maps` node, then each mapped file as the
   * target sees it. A source whose files are this machine's (live Linux) has them opened in
   * place; any other (a remote hop) serves them with readFile. A tree has neither: its error
   * (EOPNOTSUPP, ENOENT) goes to the caller, who shows "no symbols" and goes on.
   */
  static async forProcess(procfs: ProcFs, pid: number, opts: Omit<SymbolOptions, 'fileRoot' | 'mapFilesDir'> = {}): Promise<ProcessSymbols> {
    const text = (await procfs.read(pid, 'maps')).toString('utf8');
    const local = procfs.capabilities.hostFiles?.dirs(pid);
    if (local) return ProcessSymbols.fromMapsText(text, { ...opts, fileRoot: local.fileRoot, mapFilesDir: local.mapFilesDir });
    return ProcessSymbols.fromMappingsVia(procfs, pid, parseLinuxMaps(text), opts);
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
   * The address of a name: the executable's own symbols first (so `main` and its static
   * functions win), then each library's in load order; a global or weak definition beats a
   * local one of the same name. GLIBC versioned names resolve by their plain name.
   */
  find(name: string): SymbolHit | undefined {
    if (!this.byName) {
      this.byName = new Map();
      for (const mod of this.modules) {
        const local = new Map<string, ElfSymbol>();
        for (const s of mod.symbols) {
          const prev = local.get(s.name);
          if (!prev || better(s, prev)) local.set(s.name, s);
        }
        for (const [n, s] of local) if (!this.byName.has(n)) this.byName.set(n, hit(s, mod, 0n));
      }
    }
    return this.byName.get(name);
  }

  /** As find(), or ENOENT naming the symbol. */
  lookup(name: string): SymbolHit {
    const h = this.find(name);
    if (!h) throw new ProcfsError('ENOENT', `no symbol '${name}' in the executable or its libraries`);
    return h;
  }
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
  return { name: s.name, address: s.value + mod.bias, offset, size: s.size, kind: s.kind, module: mod.path };
}
