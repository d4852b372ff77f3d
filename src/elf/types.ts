/**
 * The shapes of a parsed ELF image, apart from the parser (parse.ts) so that the pieces it is made
 * of (plt.ts, notes.ts, section-data.ts) import them without importing it back.
 */
/** `.gnu_debuglink`: the debug file's base name and the CRC-32 of its whole contents. */
export interface DebugLink {
  readonly file: string;
  readonly crc: number;
}

export type SymbolKind = 'func' | 'object' | 'ifunc';
export type SymbolBinding = 'local' | 'global' | 'weak';

/** A defined FUNC/OBJECT/IFUNC symbol at its link-time address (add the load bias to place it). */
export interface ElfSymbol {
  /** The plain name: GLIBC version suffixes (`write@@GLIBC_2.2.5`) are dropped. */
  readonly name: string;
  readonly value: bigint;
  readonly size: number;
  readonly kind: SymbolKind;
  readonly binding: SymbolBinding;
  /** Where it came from; `plt` marks a stub synthesized from .rela.plt (`puts@plt`). */
  readonly table: 'symtab' | 'dynsym' | 'plt';
}

/** A PT_LOAD program header. */
export interface ElfSegment {
  readonly vaddr: bigint;
  readonly offset: bigint;
  readonly filesz: bigint;
  readonly memsz: bigint;
  /** PF_X. */
  readonly exec: boolean;
}

/** A section header. `size` is the stored size: for SHF_COMPRESSED the header plus zlib stream. */
export interface ElfSection {
  readonly name: string;
  readonly type: number;
  /** sh_flags (SHF_ALLOC 0x2, SHF_EXECINSTR 0x4, SHF_COMPRESSED 0x800, …). */
  readonly flags: number;
  readonly addr: bigint;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly addralign: number;
  readonly entsize: number;
}

/**
 * Which file an image was parsed from, so that sections can be read later (readSection) by
 * reopening it and checking it is still the same file.
 */
export interface ElfFileIdentity {
  readonly path: string;
  readonly dev: bigint;
  readonly ino: bigint;
  readonly mtimeNs: bigint;
  readonly size: bigint;
}

export interface ElfImage {
  /** ET_EXEC (fixed addresses) or ET_DYN (PIE executables and shared libraries). */
  readonly type: 'exec' | 'dyn' | 'other';
  readonly entry: bigint;
  readonly segments: readonly ElfSegment[];
  readonly sections: readonly ElfSection[];
  /** Every defined function and object symbol of both tables, by address then name. */
  readonly symbols: readonly ElfSymbol[];
  /** Whether .symtab was present (false for stripped files: only exported names are known). */
  readonly hasSymtab: boolean;
  /** NT_GNU_BUILD_ID as lowercase hex. */
  readonly buildId?: string;
  /** `.gnu_debuglink`: where the separate debug file may be and its CRC. */
  readonly debugLink?: DebugLink;
  /** The file it was read from (unset for images parsed from bytes with no file behind them). */
  readonly file?: ElfFileIdentity;
}

/**
 * Reads `length` bytes at `offset` of the file (short at end of file). Asynchronous: the bytes
 * may come through a source (RangedFile), over a descriptor or a remote hop.
 */
export type ByteReader = (offset: number, length: number) => Promise<Buffer>;
