/**
 * The unwind table of one ELF image: which CFI row holds at a link-time pc, from .eh_frame
 * (through .eh_frame_hdr when present) and then .debug_frame for pcs .eh_frame does not cover.
 * Takes bytes, not files, so that wherever the sections come from (the image, a separate debug
 * file, decompressed) they plug in the same way.
 */
import { CfiParser, type Fde } from './cfi.js';
import { fdeRows, rowForPc, type CfaRow } from './cfa-program.js';
import { EhFrameHdrLookup, SortedFdeIndex, type FdeLookup } from './eh-frame-hdr.js';

/** The CFI sections of one image, as bytes with their link-time addresses. */
export interface UnwindSections {
  /** .eh_frame and the address it is linked at (its pcrel pointers are relative to it). */
  readonly ehFrame?: { readonly data: Buffer; readonly addr: bigint };
  /** .eh_frame_hdr's binary-search table; without it .eh_frame is indexed once on first use. */
  readonly ehFrameHdr?: { readonly data: Buffer; readonly addr: bigint };
  /** .debug_frame (from the image or its separate debug file): consulted after .eh_frame. */
  readonly debugFrame?: { readonly data: Buffer };
}

/** One CFI section and the way to its FDEs, built when first needed. */
class Source {
  private lookup?: FdeLookup;

  constructor(
    readonly parser: CfiParser,
    private readonly hdr?: { data: Buffer; addr: bigint },
  ) {}

  find(pc: bigint): Fde | undefined {
    if (!this.lookup) {
      try {
        const viaHdr = this.hdr && this.hdr.data.length > 0 ? EhFrameHdrLookup.open(this.hdr, this.parser) : undefined;
        this.lookup = viaHdr ?? new SortedFdeIndex(this.parser);
      } catch (err) {
        // A section that cannot be indexed is reported once, then treated as empty: a walk
        // asks for every frame and should not re-parse a broken section each time.
        this.lookup = { find: () => undefined };
        throw err;
      }
    }
    return this.lookup.find(pc);
  }
}

/** Rows looked up again and again (every unwind passes through the same libc frames). */
const ROW_CACHE_LIMIT = 4096;

export class UnwindTable {
  private readonly rows = new Map<bigint, CfaRow | null>();

  private constructor(private readonly sources: readonly Source[]) {}

  static fromSections(s: UnwindSections): UnwindTable {
    const sources: Source[] = [];
    if (s.ehFrame && s.ehFrame.data.length > 0) {
      sources.push(new Source(new CfiParser({ kind: 'eh_frame', data: s.ehFrame.data, addr: s.ehFrame.addr }), s.ehFrameHdr));
    }
    if (s.debugFrame && s.debugFrame.data.length > 0) {
      sources.push(new Source(new CfiParser({ kind: 'debug_frame', data: s.debugFrame.data, addr: 0n })));
    }
    return new UnwindTable(sources);
  }

  /** Whether the table has any CFI section at all. */
  get empty(): boolean {
    return this.sources.length === 0;
  }

  /** The FDE covering a link-time pc: .eh_frame first, then .debug_frame. */
  fdeAt(pc: bigint): Fde | undefined {
    for (const s of this.sources) {
      const f = s.find(pc);
      if (f) return f;
    }
    return undefined;
  }

  /** The row for a link-time pc, or undefined when no FDE covers it. */
  rowAt(pc: bigint): CfaRow | undefined {
    const hit = this.rows.get(pc);
    if (hit !== undefined) return hit ?? undefined;
    const fde = this.fdeAt(pc);
    const row = fde ? rowForPc(fde, pc) : undefined;
    if (this.rows.size >= ROW_CACHE_LIMIT) this.rows.clear();
    this.rows.set(pc, row ?? null);
    return row;
  }

  /** Every row of the FDE covering pc (tests compare them with readelf's table). */
  rowsOfFdeAt(pc: bigint): CfaRow[] {
    const fde = this.fdeAt(pc);
    return fde ? fdeRows(fde) : [];
  }
}
