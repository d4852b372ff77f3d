/**
 * ELF images by file identity (device, inode, mtime, size): every process of a program and
 * every attach share one parse of libc, and a rebuilt binary at the same path is read again.
 * Debug files go through the same cache, so libc's 4 MB debug file is parsed once per pdbg
 * process. The one cache, whichever source the file came through: a file is opened by the
 * source (ProcFs.openFile, bound to a pid as a FileOpener) and read by ranges.
 */
import { parseElf } from '../../elf/parse.js';
import { bindFile } from '../../elf/sections.js';
import type { ElfImage } from '../../elf/types.js';
import { identityKey } from '../../procfs/ranged-file.js';
import type { OpenFileOptions, RangedFile } from '../../procfs/source.js';

/** Opens a file as one target sees it: a source's openFile bound to a pid (or this machine's own files, for tests). */
export type FileOpener = (path: string, opts?: OpenFileOptions) => Promise<RangedFile>;

const cache = new Map<string, ElfImage>();

/**
 * The image of an open file, parsed once per identity. `reopen` is how its sections are read
 * later (sections.ts): the newest caller's, so a section read goes through a live process.
 */
export async function imageOf(file: RangedFile, reopen: () => Promise<RangedFile>): Promise<ElfImage> {
  const key = identityKey(file.identity);
  let image = cache.get(key);
  if (!image) {
    const { dev, ino, mtimeNs, size } = file.identity;
    image = await parseElf((o, n) => file.read(o, n), { path: file.path, dev, ino, mtimeNs, size: BigInt(size) });
    cache.set(key, image);
  }
  bindFile(image, reopen);
  return image;
}

/** Opens `path` through `open` and gives its image (cached by identity). */
export async function openImage(open: FileOpener, path: string, opts: OpenFileOptions = {}): Promise<ElfImage> {
  const file = await open(path, opts);
  try {
    return await imageOf(file, () => open(path, opts));
  } finally {
    await file.close();
  }
}

/** Forgets every cached image (tests). */
export function clearElfCache(): void {
  cache.clear();
}
