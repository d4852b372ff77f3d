/**
 * Section contents on demand, for readers beyond the symbol tables (the unwinder wants
 * .eh_frame and .eh_frame_hdr of the main file and .debug_frame of the debug file).
 *
 * An image keeps its file's path and identity, not its bytes nor an open descriptor: a process
 * maps dozens of libraries and most sections are never asked for, so holding the bytes would
 * cost megabytes per library (libc's debug info alone is 2 MB compressed) and holding
 * descriptors would leak one per library per attach. Reopening costs an open and an fstat per
 * first read of a section; the identity check turns a file replaced meanwhile into an error
 * instead of garbage. Results are cached per image, decompressed.
 */
import { closeSync } from 'node:fs';
import { ProcfsError } from '../../procfs/errors.js';
import { fdIdentity, fdReader, identityKey, openOrThrow } from './elf-cache.js';
import { bufferReader, type ByteReader, type ElfImage, type ElfSection } from './elf.js';
import { sectionBytes } from './section-data.js';

const cache = new WeakMap<ElfImage, Map<string, Buffer | undefined>>();

/**
 * The bytes of images parsed from a buffer (a file fetched through a remote source): their
 * sections are read from these, never by opening a local path.
 */
const buffers = new WeakMap<ElfImage, Buffer>();

/** Keeps a fetched file's bytes with its image, for readSection. */
export function attachBytes(image: ElfImage, bytes: Buffer): void {
  buffers.set(image, bytes);
}

/** The bytes an image was parsed from, when it was parsed from a buffer. */
export function bytesOf(image: ElfImage): Buffer | undefined {
  return buffers.get(image);
}

/** The section header named `name` (the first, as readelf shows), if any. */
export function findSection(image: ElfImage, name: string): ElfSection | undefined {
  return image.sections.find((s) => s.name === name);
}

/**
 * The contents of section `name`, decompressed; undefined when the image has no such section or
 * only its header (SHT_NOBITS, as code sections are in a debug file). Reads through `read` when
 * given (an image parsed from a buffer), else reopens the image's file. Throws ESTALE when that
 * file changed since it was parsed, ParseError for a broken section.
 */
export function readSection(image: ElfImage, name: string, read?: ByteReader): Buffer | undefined {
  let perImage = cache.get(image);
  if (perImage?.has(name)) return perImage.get(name);
  const s = findSection(image, name);
  let data: Buffer | undefined;
  if (s) {
    const own = buffers.get(image);
    if (read) data = sectionBytes(read, s);
    else if (own) data = sectionBytes(bufferReader(own), s);
    else data = withFile(image, (r) => sectionBytes(r, s));
    if (data.length === 0 && s.size !== 0) data = undefined;
  }
  if (!perImage) cache.set(image, (perImage = new Map()));
  // Only cache reads of the image's own file: a caller's reader may be anything.
  if (!read) perImage.set(name, data);
  return data;
}

function withFile<T>(image: ElfImage, fn: (read: ByteReader) => T): T {
  const file = image.file;
  if (!file) throw new ProcfsError('EINVAL', 'this ELF image was parsed from memory: pass a reader to read its sections');
  const fd = openOrThrow(file.path);
  try {
    if (identityKey(fdIdentity(fd, file.path)) !== identityKey(file)) {
      throw new ProcfsError('ESTALE', `${file.path} changed since it was read`);
    }
    return fn(fdReader(fd));
  } finally {
    closeSync(fd);
  }
}
