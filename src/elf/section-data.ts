/**
 * The bytes of one section as a reader wants them: nothing for SHT_NOBITS (a debug file keeps
 * the headers of .text and .dynsym but not their contents), inflated for SHF_COMPRESSED.
 */
import { inflateSync } from 'node:zlib';
import { ParseError } from '../procfs/errors.js';
import type { ByteReader, ElfSection } from './types.js';

export const SHT_NOBITS = 8;
export const SHF_COMPRESSED = 0x800;
const ELFCOMPRESS_ZLIB = 1;
/** sizeof(Elf64_Chdr): ch_type u32, ch_reserved u32, ch_size u64, ch_addralign u64. */
const CHDR_SIZE = 24;
/** No section pdbg reads is near this; a larger ch_size is a hostile or broken header. */
const MAX_INFLATED = 1 << 30;

export async function sectionBytes(read: ByteReader, s: ElfSection): Promise<Buffer> {
  if (s.type === SHT_NOBITS || s.size === 0) return Buffer.alloc(0);
  const raw = await read(s.offset, s.size);
  if (raw.length < s.size) throw new ParseError(s.name, `ELF truncated: section ${s.name} needs ${s.size} bytes at ${s.offset}, file has ${raw.length}`);
  if ((s.flags & SHF_COMPRESSED) === 0) return raw;
  if (raw.length < CHDR_SIZE) throw new ParseError(s.name, `compressed section ${s.name} is shorter than its header`);
  const type = raw.readUInt32LE(0);
  const size = raw.readBigUInt64LE(8);
  if (type !== ELFCOMPRESS_ZLIB) throw new ParseError(s.name, `section ${s.name} uses compression type ${type} (pdbg reads zlib only)`);
  if (size > BigInt(MAX_INFLATED)) throw new ParseError(s.name, `section ${s.name} claims ${size} bytes uncompressed`);
  let out: Buffer;
  try {
    out = inflateSync(raw.subarray(CHDR_SIZE), { maxOutputLength: Number(size) || 1 });
  } catch (err) {
    throw new ParseError(s.name, `section ${s.name}: bad zlib stream (${(err as Error).message})`);
  }
  if (out.length !== Number(size)) throw new ParseError(s.name, `section ${s.name} inflates to ${out.length} bytes, header says ${size}`);
  return out;
}
