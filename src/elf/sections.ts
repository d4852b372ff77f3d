/**
 * Section contents on demand, for readers beyond the symbol tables (the unwinder wants
 * .eh_frame and .eh_frame_hdr of the main file and .debug_frame of the debug file; the coming
 * .debug_info/.debug_line readers want theirs).
 *
 * An image keeps its file's identity and a way to reopen it (bindFile), not its bytes nor an
 * open descriptor: a process maps dozens of libraries and most sections are never asked for,
 * so holding the bytes would cost megabytes per library (libc's debug info alone is 2 MB
 * compressed) and holding descriptors would leak one per library per attach. Reopening costs an
 * open per first read of a section; the identity check turns a file replaced meanwhile into an
 * error instead of garbage. Results are cached per image, decompressed.
 */
import { ProcfsError } from '../procfs/errors.js';
import { identityKey } from '../procfs/ranged-file.js';
import type { RangedFile } from '../procfs/source.js';
import { sectionBytes } from './section-data.js';
import type { ElfImage, ElfSection } from './types.js';

const cache = new WeakMap<ElfImage, Map<string, Promise<Buffer | undefined>>>();

/** How each image's file is opened again: the newest binding wins (the process that last loaded it). */
const reopeners = new WeakMap<ElfImage, () => Promise<RangedFile>>();

/** Says how to reopen the file `image` was parsed from, for readSection. */
export function bindFile(image: ElfImage, reopen: () => Promise<RangedFile>): void {
  reopeners.set(image, reopen);
}

/** The section header named `name` (the first, as readelf shows), if any. */
export function findSection(image: ElfImage, name: string): ElfSection | undefined {
  return image.sections.find((s) => s.name === name);
}

/**
 * The contents of section `name`, decompressed; undefined when the image has no such section or
 * only its header (SHT_NOBITS, as code sections are in a debug file). Reopens the image's file
 * (bindFile). Rejects with ESTALE when that file changed since it was parsed, ParseError for a
 * broken section; a failed read is not cached, so it may be retried.
 */
export function readSection(image: ElfImage, name: string): Promise<Buffer | undefined> {
  let perImage = cache.get(image);
  const known = perImage?.get(name);
  if (known) return known;
  const got = readUncached(image, name);
  if (!perImage) cache.set(image, (perImage = new Map()));
  perImage.set(name, got);
  got.catch(() => perImage!.delete(name));
  return got;
}

async function readUncached(image: ElfImage, name: string): Promise<Buffer | undefined> {
  const s = findSection(image, name);
  if (!s) return undefined;
  const data = await withFile(image, (f) => sectionBytes((o, n) => f.read(o, n), s));
  return data.length === 0 && s.size !== 0 ? undefined : data;
}

async function withFile<T>(image: ElfImage, fn: (file: RangedFile) => Promise<T>): Promise<T> {
  const reopen = reopeners.get(image);
  if (!reopen) throw new ProcfsError('EINVAL', 'this ELF image has no file bound to it (bindFile): its sections cannot be read');
  const file = await reopen();
  try {
    if (image.file && identityKey(file.identity) !== identityKey(image.file)) {
      throw new ProcfsError('ESTALE', `${image.file.path} changed since it was read`);
    }
    return await fn(file);
  } finally {
    await file.close();
  }
}
