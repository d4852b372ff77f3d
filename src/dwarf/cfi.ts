/**
 * CIE and FDE records of .eh_frame (LSB) and .debug_frame (DWARF 5 §6.4.1). The two differ in
 * small ways that all matter: the CIE id (0 vs 0xffffffff / 64-bit all-ones), what an FDE's CIE
 * pointer means (distance back from the field vs offset in the section), how pc_begin is encoded
 * (the CIE's 'R' encoding vs a plain address), and the 'z' augmentation data that only
 * .eh_frame has in practice.
 */
import { ParseError } from '../procfs/errors.js';
import { Cursor, DW_EH_PE_absptr, DW_EH_PE_omit, type PointerBases } from './reader.js';

export type CfiKind = 'eh_frame' | 'debug_frame';

/** A Common Information Entry: what every FDE pointing at it shares. */
export interface Cie {
  /** Offset of the record in its section. */
  readonly offset: number;
  readonly version: number;
  readonly augmentation: string;
  readonly codeAlign: number;
  readonly dataAlign: number;
  /** DWARF register number holding the return address (16 on x86-64). */
  readonly raReg: number;
  /** DW_EH_PE_* of the FDEs' pc_begin/pc_range ('R'); absptr when absent. */
  readonly fdeEncoding: number;
  /** DW_EH_PE_* of the FDEs' LSDA pointer ('L'), omit when absent. */
  readonly lsdaEncoding: number;
  /** 'S': FDEs of this CIE describe a signal trampoline; the caller's pc is exact. */
  readonly signalFrame: boolean;
  /** Whether FDEs carry augmentation data (a 'z' string). */
  readonly hasAugData: boolean;
  readonly initialInstructions: Buffer;
}

/** A Frame Description Entry: the CFA program for one contiguous pc range. */
export interface Fde {
  readonly offset: number;
  readonly cie: Cie;
  /** Link-time address of the first byte covered. */
  readonly pcBegin: bigint;
  /** One past the last byte covered. */
  readonly pcEnd: bigint;
  readonly instructions: Buffer;
}

/** One CFI section as the parser needs it: bytes plus the address they are linked at. */
export interface CfiSection {
  readonly kind: CfiKind;
  readonly data: Buffer;
  /** Link-time address of data[0] (pcrel base); 0 for .debug_frame, which is not loaded. */
  readonly addr: bigint;
}

/** An entry's header: where its body is and what its id/CIE-pointer field says. */
interface Header {
  readonly offset: number;
  /** Offset just past the entry. */
  readonly end: number;
  /** Offset of the CIE id / CIE pointer field. */
  readonly idAt: number;
  readonly id: bigint;
  readonly dwarf64: boolean;
  /** Offset just past the id field. */
  readonly body: number;
}

/** The entry at `offset`, or undefined for the zero terminator / end of the section. */
function header(sec: CfiSection, offset: number): Header | undefined {
  if (offset + 4 > sec.data.length) return undefined;
  const c = new Cursor(sec.data, offset);
  let len = BigInt(c.u32('length'));
  if (len === 0n) return undefined;
  const dwarf64 = len === 0xffffffffn;
  if (dwarf64) len = c.u64('length');
  const end = c.pos + Number(len);
  if (end > sec.data.length) throw new ParseError('length', `${sec.kind}: entry at 0x${offset.toString(16)} runs past the section end`);
  const idAt = c.pos;
  const id = dwarf64 ? c.u64('CIE id') : BigInt(c.u32('CIE id'));
  return { offset, end, idAt, id, dwarf64, body: c.pos };
}

function isCie(sec: CfiSection, h: Header): boolean {
  if (sec.kind === 'eh_frame') return h.id === 0n;
  return h.dwarf64 ? h.id === 0xffffffffffffffffn : h.id === 0xffffffffn;
}

function parseCie(sec: CfiSection, h: Header): Cie {
  const c = new Cursor(sec.data, h.body, h.end);
  const version = c.u8('CIE version');
  if (version !== 1 && version !== 3 && version !== 4) throw new ParseError('CIE version', `${sec.kind}: CIE at 0x${h.offset.toString(16)} has version ${version}`);
  const augmentation = c.cstring('augmentation');
  // "eh": a GCC 2 era pointer-sized field, kept for completeness of the format.
  if (augmentation.includes('eh')) c.u64('eh data');
  if (version === 4) {
    const addressSize = c.u8('address_size');
    c.u8('segment_selector_size');
    if (addressSize !== 8) throw new ParseError('address_size', `${sec.kind}: CIE at 0x${h.offset.toString(16)} has address size ${addressSize}`);
  }
  const codeAlign = c.ulebN('code_alignment_factor');
  const dataAlign = c.slebN('data_alignment_factor');
  const raReg = version === 1 ? c.u8('return_address_register') : c.ulebN('return_address_register');
  let fdeEncoding = DW_EH_PE_absptr;
  let lsdaEncoding = DW_EH_PE_omit;
  let signalFrame = false;
  const hasAugData = augmentation.startsWith('z');
  if (hasAugData) {
    const len = c.ulebN('augmentation length');
    const augEnd = c.pos + len;
    const bases: PointerBases = { section: sec.addr };
    letters: for (const ch of augmentation.slice(1)) {
      switch (ch) {
        case 'R':
          fdeEncoding = c.u8('FDE encoding');
          break;
        case 'L':
          lsdaEncoding = c.u8('LSDA encoding');
          break;
        case 'P': {
          // The personality routine matters to exception handling, not to unwinding: only its
          // size is needed, so any base will do for the relative encodings.
          const enc = c.u8('personality encoding');
          c.pointer(enc, { ...bases, data: 0n, text: 0n }, 'personality');
          break;
        }
        case 'S':
          signalFrame = true;
          break;
        case 'B':
          // AArch64's pointer-authentication key marker; no data.
          break;
        default:
          // An unknown letter's data size is unknown, so the letters after it cannot be read;
          // the length still says where the data ends, and R (the one that matters) comes first.
          break letters;
      }
    }
    c.pos = augEnd;
  } else if (augmentation !== '' && !augmentation.startsWith('eh')) {
    throw new ParseError('augmentation', `${sec.kind}: CIE at 0x${h.offset.toString(16)} has augmentation "${augmentation}" without 'z'; its FDEs cannot be read`);
  }
  return {
    offset: h.offset,
    version,
    augmentation,
    codeAlign,
    dataAlign,
    raReg,
    fdeEncoding,
    lsdaEncoding,
    signalFrame,
    hasAugData,
    initialInstructions: c.bytes(h.end - c.pos, 'initial instructions'),
  };
}

/**
 * Parses the entries of one section on demand, each CIE once: a lookup through .eh_frame_hdr
 * touches one FDE and its CIE, not the 3,700 of libc.
 */
export class CfiParser {
  private readonly cies = new Map<number, Cie>();

  constructor(readonly section: CfiSection) {}

  cieAt(offset: number): Cie {
    const hit = this.cies.get(offset);
    if (hit) return hit;
    const h = header(this.section, offset);
    if (!h || !isCie(this.section, h)) throw new ParseError('CIE pointer', `${this.section.kind}: no CIE at 0x${offset.toString(16)}`);
    const cie = parseCie(this.section, h);
    this.cies.set(offset, cie);
    return cie;
  }

  /** The FDE at `offset`; ParseError if a CIE or nothing is there. */
  fdeAt(offset: number): Fde {
    const h = header(this.section, offset);
    if (!h) throw new ParseError('FDE', `${this.section.kind}: no entry at 0x${offset.toString(16)}`);
    if (isCie(this.section, h)) throw new ParseError('FDE', `${this.section.kind}: entry at 0x${offset.toString(16)} is a CIE, not an FDE`);
    return this.parseFde(h);
  }

  private parseFde(h: Header): Fde {
    const sec = this.section;
    // .eh_frame: the distance back from the pointer field itself; .debug_frame: a section offset.
    const cieOffset = sec.kind === 'eh_frame' ? h.idAt - Number(h.id) : Number(h.id);
    const cie = this.cieAt(cieOffset);
    const c = new Cursor(sec.data, h.body, h.end);
    const bases: PointerBases = { section: sec.addr };
    const begin = c.pointer(cie.fdeEncoding, bases, 'pc_begin');
    // pc_range is a length: the encoding's format without its application (no pcrel).
    const range = c.pointer(cie.fdeEncoding & 0x0f, bases, 'pc_range');
    if (cie.hasAugData) {
      const len = c.ulebN('augmentation length');
      c.bytes(len, 'augmentation data');
    }
    return {
      offset: h.offset,
      cie,
      pcBegin: begin.value,
      pcEnd: begin.value + range.value,
      instructions: c.bytes(h.end - c.pos, 'instructions'),
    };
  }

  /** Every FDE of the section, in section order (for an index when there is no .eh_frame_hdr). */
  allFdes(): Fde[] {
    const out: Fde[] = [];
    let off = 0;
    for (;;) {
      const h = header(this.section, off);
      if (!h) break;
      if (!isCie(this.section, h)) {
        const fde = this.parseFde(h);
        // Zero-length FDEs are left by linkers for discarded sections (pc_begin 0): not code.
        if (fde.pcEnd > fde.pcBegin) out.push(fde);
      }
      off = h.end;
    }
    return out;
  }

  /** Every CIE (tests and statistics). */
  allCies(): Cie[] {
    const out: Cie[] = [];
    let off = 0;
    for (;;) {
      const h = header(this.section, off);
      if (!h) break;
      if (isCie(this.section, h)) out.push(this.cieAt(off));
      off = h.end;
    }
    return out;
  }
}
