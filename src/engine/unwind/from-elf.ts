/**
 * Unwind tables from ELF files: the .eh_frame and .eh_frame_hdr sections read by parseElf's
 * section table, one table per ElfImage (the image cache already shares one parse of libc across
 * processes, so keying on the image object shares the table too).
 */
import { closeSync } from 'node:fs';
import { fdReader, loadElfFile, openOrThrow } from '../symbols/elf-cache.js';
import type { ByteReader, ElfImage } from '../symbols/elf.js';
import { UnwindTable, type UnwindSections } from './table.js';

const SHT_NOBITS = 8;

const tables = new WeakMap<ElfImage, UnwindTable>();

/** .eh_frame and .eh_frame_hdr of an image, read through `read` (file offsets). */
export function unwindSectionsOf(image: ElfImage, read: ByteReader): UnwindSections {
  const get = (name: string): { data: Buffer; addr: bigint } | undefined => {
    // A separate debug file keeps the headers of loaded sections but not their bytes (NOBITS).
    const s = image.sections.find((x) => x.name === name && x.type !== SHT_NOBITS && x.size > 0);
    return s ? { data: read(s.offset, s.size), addr: s.addr } : undefined;
  };
  const ehFrame = get('.eh_frame');
  const ehFrameHdr = get('.eh_frame_hdr');
  return { ...(ehFrame ? { ehFrame } : {}), ...(ehFrameHdr ? { ehFrameHdr } : {}) };
}

/**
 * The table of `image`, built on first use from `read` and cached for the image's lifetime.
 * `extra` adds sections found elsewhere (a debug file's .debug_frame); it is only looked at
 * when the table is first built.
 */
export function unwindTableForImage(image: ElfImage, read: ByteReader, extra: Pick<UnwindSections, 'debugFrame'> = {}): UnwindTable {
  const hit = tables.get(image);
  if (hit) return hit;
  const table = UnwindTable.fromSections({ ...unwindSectionsOf(image, read), ...extra });
  tables.set(image, table);
  return table;
}

/** The table of the ELF file at `path` (through the shared image cache). */
export function unwindTableFromFile(path: string, extra: Pick<UnwindSections, 'debugFrame'> = {}): UnwindTable {
  const image = loadElfFile(path);
  const hit = tables.get(image);
  if (hit) return hit;
  const fd = openOrThrow(path);
  try {
    return unwindTableForImage(image, fdReader(fd), extra);
  } finally {
    closeSync(fd);
  }
}
