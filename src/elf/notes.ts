/**
 * The two pointers from an ELF file to its separate debug file: the GNU build ID (an
 * NT_GNU_BUILD_ID note, in a SHT_NOTE section or a PT_NOTE segment) and `.gnu_debuglink`
 * (a file name and the CRC-32 of that file).
 */
import type { ByteReader, DebugLink, ElfSection } from './types.js';
import { sectionBytes } from './section-data.js';

export type { DebugLink } from './types.js';

/** Where notes may be: a PT_NOTE segment's file extent and its alignment. */
export interface NoteExtent {
  readonly offset: number;
  readonly size: number;
  readonly align: number;
}

const SHT_NOTE = 7;
const NT_GNU_BUILD_ID = 3;
/** Longer than any linker writes (SHA-1 is 20 bytes); bounds what a crafted note can claim. */
const MAX_BUILD_ID = 64;

/** The build ID as lowercase hex, from the first GNU build-id note found. */
export async function findBuildId(sections: readonly ElfSection[], segments: readonly NoteExtent[], read: ByteReader): Promise<string | undefined> {
  // Sections first: a debug file made by objcopy keeps .note.gnu.build-id but its program
  // headers still describe the original file's layout.
  for (const s of sections) {
    if (s.type !== SHT_NOTE) continue;
    const id = buildIdIn(await sectionBytes(read, s), s.addralign === 8 ? 8 : 4);
    if (id) return id;
  }
  for (const seg of segments) {
    const id = buildIdIn(await read(seg.offset, seg.size), seg.align === 8 ? 8 : 4);
    if (id) return id;
  }
  return undefined;
}

function buildIdIn(notes: Buffer, align: number): string | undefined {
  const pad = (n: number) => (n + align - 1) & ~(align - 1);
  for (let o = 0; o + 12 <= notes.length; ) {
    const namesz = notes.readUInt32LE(o);
    const descsz = notes.readUInt32LE(o + 4);
    const type = notes.readUInt32LE(o + 8);
    const nameAt = o + 12;
    const descAt = nameAt + pad(namesz);
    const next = descAt + pad(descsz);
    if (namesz > notes.length || descsz > notes.length || next > notes.length + align) return undefined;
    const name = notes.toString('latin1', nameAt, nameAt + namesz).replace(/\0+$/, '');
    if (name === 'GNU' && type === NT_GNU_BUILD_ID && descsz > 0 && descsz <= MAX_BUILD_ID && descAt + descsz <= notes.length) {
      return notes.toString('hex', descAt, descAt + descsz);
    }
    o = next;
  }
  return undefined;
}

/** `.gnu_debuglink`, if present and well formed (a non-empty name, then the CRC at a 4-byte boundary). */
export async function findDebugLink(sections: readonly ElfSection[], read: ByteReader): Promise<DebugLink | undefined> {
  const s = sections.find((x) => x.name === '.gnu_debuglink');
  if (!s) return undefined;
  const data = await sectionBytes(read, s);
  const nul = data.indexOf(0);
  if (nul <= 0) return undefined;
  const crcAt = (nul + 4) & ~3;
  if (crcAt + 4 > data.length) return undefined;
  return { file: data.toString('latin1', 0, nul), crc: data.readUInt32LE(crcAt) };
}
