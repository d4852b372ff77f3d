/**
 * Finding the FDE for a pc: through .eh_frame_hdr's sorted (initial location, FDE address) table
 * when the linker wrote one, else through an index of every FDE built once (no hdr, or
 * .debug_frame, which never has one).
 */
import { ParseError } from '../procfs/errors.js';
import type { CfiParser, Fde } from './cfi.js';
import { Cursor, DW_EH_PE_omit, encodedSize } from './reader.js';

/** Something that maps a link-time pc to the FDE covering it. */
export interface FdeLookup {
  find(pc: bigint): Fde | undefined;
}

/** Binary search over the table of an .eh_frame_hdr (LSB 1.3, "The .eh_frame_hdr section"). */
export class EhFrameHdrLookup implements FdeLookup {
  private readonly table: Cursor;
  private readonly tableAt: number;
  private readonly entrySize: number;
  private readonly count: number;
  private readonly tableEnc: number;

  private constructor(
    private readonly hdr: { data: Buffer; addr: bigint },
    private readonly parser: CfiParser,
    fields: { tableAt: number; entrySize: number; count: number; tableEnc: number },
  ) {
    this.table = new Cursor(hdr.data);
    this.tableAt = fields.tableAt;
    this.entrySize = fields.entrySize;
    this.count = fields.count;
    this.tableEnc = fields.tableEnc;
  }

  /**
   * The lookup, or undefined when the header has no usable table (count omitted or a variable
   * length encoding): the caller then indexes .eh_frame itself.
   */
  static open(hdr: { data: Buffer; addr: bigint }, parser: CfiParser): EhFrameHdrLookup | undefined {
    const c = new Cursor(hdr.data);
    const version = c.u8('eh_frame_hdr version');
    if (version !== 1) throw new ParseError('eh_frame_hdr version', `.eh_frame_hdr version ${version}, expected 1`);
    const ptrEnc = c.u8('eh_frame_ptr_enc');
    const countEnc = c.u8('fde_count_enc');
    const tableEnc = c.u8('table_enc');
    const bases = { section: hdr.addr, data: hdr.addr };
    if (ptrEnc !== DW_EH_PE_omit) c.pointer(ptrEnc, bases, 'eh_frame_ptr');
    if (countEnc === DW_EH_PE_omit || tableEnc === DW_EH_PE_omit) return undefined;
    const size = encodedSize(tableEnc);
    if (size === undefined) return undefined;
    const count = Number(c.pointer(countEnc, bases, 'fde_count').value);
    if (c.pos + count * 2 * size > hdr.data.length) throw new ParseError('fde_count', `.eh_frame_hdr: ${count} entries do not fit the section`);
    return new EhFrameHdrLookup(hdr, parser, { tableAt: c.pos, entrySize: size, count, tableEnc });
  }

  private entry(i: number, which: 0 | 1): bigint {
    this.table.pos = this.tableAt + (2 * i + which) * this.entrySize;
    return this.table.pointer(this.tableEnc, { section: this.hdr.addr, data: this.hdr.addr }, 'eh_frame_hdr table').value;
  }

  find(pc: bigint): Fde | undefined {
    let lo = 0;
    let hi = this.count - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.entry(mid, 0) <= pc) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (at < 0) return undefined;
    const fdeAddr = this.entry(at, 1);
    const fde = this.parser.fdeAt(Number(fdeAddr - this.parser.section.addr));
    // The table says where a range starts, not that it reaches pc: gaps between functions exist.
    return pc >= fde.pcBegin && pc < fde.pcEnd ? fde : undefined;
  }
}

/** All FDEs of a section sorted by start, parsed once; for sections without a search table. */
export class SortedFdeIndex implements FdeLookup {
  private readonly fdes: Fde[];

  constructor(parser: CfiParser) {
    this.fdes = parser.allFdes().sort((a, b) => (a.pcBegin < b.pcBegin ? -1 : a.pcBegin > b.pcBegin ? 1 : 0));
  }

  get size(): number {
    return this.fdes.length;
  }

  find(pc: bigint): Fde | undefined {
    let lo = 0;
    let hi = this.fdes.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.fdes[mid]!.pcBegin <= pc) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    // Ranges may nest or overlap in hand-written assembly: look back a few for one that covers pc.
    for (let i = at; i >= 0 && i > at - 8; i--) {
      const f = this.fdes[i]!;
      if (pc >= f.pcBegin && pc < f.pcEnd) return f;
    }
    return undefined;
  }
}
