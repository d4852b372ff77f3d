/**
 * Finding an ELF file's separate debug file the way gdb does ("Debugging Information in
 * Separate Files"): first by build ID under each global debug directory
 * (`DEBUGDIR/.build-id/NN/REST.debug`), then by `.gnu_debuglink` name in the file's own
 * directory, its `.debug/` subdirectory and `DEBUGDIR/` + the file's directory.
 *
 * The names come from the debugged process's files, which pdbg does not trust: a debuglink may
 * only name a plain file (no `/`, no `..`), so candidates stay inside the fixed debug
 * directories and the module's own directory. A build-id candidate must carry the same build
 * ID, a debuglink candidate the CRC-32 the link records.
 *
 * Every candidate is opened through the source (ProcFs.openFile) by the untrusted-file rule
 * (procfs/untrusted-file.ts): a FIFO, device or socket is refused before it is opened (a FIFO named by a debug link blocked pdbg in
 * open(2) for ever while it held the target), a debuglink candidate must not be a symbolic link
 * (a debug link names a plain file; build-ID entries are links by design and are followed, the
 * file they lead to must be regular), and no candidate may be larger than DEBUG_FILE_CAP. The
 * CRC is read in chunks from the very descriptor then parsed, each chunk a read of its own, so
 * the event loop, which handles SIGINT and SIGTERM and releases the target, is never held by it,
 * and the file summed is the file parsed.
 */
import { posix } from 'node:path';
import { crc32 } from '../../elf/crc32.js';
import type { ElfImage } from '../../elf/types.js';
import { identityKey } from '../../procfs/ranged-file.js';
import type { OpenRule, RangedFile } from '../../procfs/source.js';
import { imageOf, type FileOpener } from './image-cache.js';
import type { FileRoot } from './module-file.js';

/** Where to look. */
export interface DebugSearch {
  readonly open: FileOpener;
  /**
   * The views tried in order for every candidate path: a jailed target's root first (its own
   * debug files), then its machine's (default both).
   */
  readonly roots?: readonly FileRoot[];
  /** Global debug directories, absolute (gdb's debug-file-directory; default `/usr/lib/debug`). */
  readonly debugDirs: readonly string[];
}

/** A debug file that belongs to an image. */
export interface FoundDebugFile {
  /** The path it was opened by (as the source names it: `/proc/PID/root/…` for a live target). */
  readonly path: string;
  readonly image: ElfImage;
  /** Which rule found it. */
  readonly via: 'build-id' | 'debuglink';
}

export const DEFAULT_DEBUG_DIRS: readonly string[] = ['/usr/lib/debug'];

/**
 * The largest debug file pdbg reads. Real ones: libc's is 4 MB, large C++ libraries' reach a
 * few hundred MB; 1 GiB leaves room for those and refuses the 2 GiB sparse file a target can
 * name for nothing (its CRC cost 12 to 25 s of a blocked event loop). A larger debug file is
 * skipped like a missing one: the module keeps the names of its own symbol tables. Sparse
 * files are not refused as such: a compressing filesystem (ZFS) reports a real debug
 * file's blocks as fewer than its size too.
 */
export const DEBUG_FILE_CAP = 1 << 30;

/** How debug file candidates are opened (the links of a build-ID directory are followed). */
export const BUILD_ID_RULE: OpenRule = { follow: true, maxSize: DEBUG_FILE_CAP };
export const DEBUGLINK_RULE: OpenRule = { follow: false, maxSize: DEBUG_FILE_CAP };

/** CRC-32 of whole files by identity: libc's 4 MB debug file is summed once, not per attach. */
const crcCache = new Map<string, number>();
/** 1 MiB is under a millisecond of zlib's CRC: the event loop gets a turn between chunks. */
const CHUNK = 1 << 20;

/**
 * CRC-32 of an open file's whole contents (what `.gnu_debuglink` records), and its identity
 * key. Reads no more than the size its identity gave, a chunk per read.
 */
export async function fileCrc32(file: RangedFile): Promise<{ crc: number; key: string }> {
  const key = identityKey(file.identity);
  const known = crcCache.get(key);
  if (known !== undefined) return { crc: known, key };
  const size = file.identity.size;
  let crc = 0;
  for (let off = 0; off < size; ) {
    const chunk = await file.read(off, Math.min(CHUNK, size - off));
    if (chunk.length === 0) break;
    crc = crc32(chunk, crc);
    off += chunk.length;
  }
  crcCache.set(key, crc);
  return { crc, key };
}

/** A debuglink name pdbg will follow: one path component, nothing that climbs or hides a NUL. */
export function safeLinkName(name: string): boolean {
  return name.length > 0 && name.length < 256 && !name.includes('/') && !name.includes('\0') && name !== '.' && name !== '..';
}

/**
 * The debug file of `image`, mapped at `modulePath` (absolute, as the process sees it), or
 * undefined. Unreadable or mismatched candidates are skipped silently: a missing debug file
 * only means fewer names.
 */
export async function findDebugFile(image: ElfImage, modulePath: string, search: DebugSearch): Promise<FoundDebugFile | undefined> {
  const roots = search.roots ?? ['target', 'host'];
  const self = image.file && identityKey(image.file);
  /** The candidate open, unless it is missing, refused, or the image itself; `check` decides on the open file. */
  const attempt = async (path: string, root: FileRoot, rule: OpenRule, check: (f: RangedFile) => Promise<boolean>): Promise<{ image: ElfImage; openedAs: string } | undefined> => {
    let file: RangedFile;
    try {
      file = await search.open(path, { ...rule, root });
    } catch {
      return undefined;
    }
    try {
      if (identityKey(file.identity) === self || !(await check(file))) return undefined;
      return { image: await imageOf(file, () => search.open(path, { ...rule, root })), openedAs: file.path };
    } catch {
      return undefined;
    } finally {
      await file.close();
    }
  };
  const id = image.buildId;
  if (id && /^[0-9a-f]{4,}$/.test(id)) {
    for (const root of roots) {
      for (const dir of search.debugDirs) {
        const path = posix.join(dir, '.build-id', id.slice(0, 2), `${id.slice(2)}.debug`);
        const got = await attempt(path, root, BUILD_ID_RULE, async () => true);
        if (got && got.image.buildId === id) return { path: got.openedAs, image: got.image, via: 'build-id' };
      }
    }
  }
  const link = image.debugLink;
  const dir = posix.normalize(posix.dirname(modulePath));
  if (link && safeLinkName(link.file) && posix.isAbsolute(dir) && !dir.split('/').includes('..')) {
    const places = [posix.join(dir, link.file), posix.join(dir, '.debug', link.file), ...search.debugDirs.map((d) => posix.join(d, dir, link.file))];
    for (const root of roots) {
      for (const place of places) {
        // Summed and parsed from the same descriptor: the file summed is the file parsed.
        const got = await attempt(place, root, DEBUGLINK_RULE, async (f) => (await fileCrc32(f)).crc === link.crc);
        if (got) return { path: got.openedAs, image: got.image, via: 'debuglink' };
      }
    }
  }
  return undefined;
}

/** Forgets the CRC cache (tests). */
export function clearDebugFileCache(): void {
  crcCache.clear();
}
