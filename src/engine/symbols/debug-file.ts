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
 * Every candidate is opened by the untrusted-file rule (procfs/untrusted-file.ts): a FIFO,
 * device or socket is refused before it is opened (a FIFO named by a debug link blocked pdbg in
 * open(2) for ever while it held the target), a debuglink candidate must not be a symbolic link
 * (a debug link names a plain file; build-ID entries are links by design and are followed, the
 * file they lead to must be regular), and no candidate may be larger than DEBUG_FILE_CAP. The
 * CRC is read in chunks through the thread pool, so the event loop, which handles SIGINT and
 * SIGTERM and releases the target, is never held by it.
 */
import { dirname, join, posix } from 'node:path';
import { openUntrusted } from '../../procfs/untrusted-file.js';
import { crc32 } from './crc32.js';
import { identityKey, loadElfFile, type OpenRule } from './elf-cache.js';
import type { ElfImage } from './elf.js';

/** Where to look. */
export interface DebugSearch {
  /**
   * Prefixes tried in order for every candidate path: a jailed target's `/proc/PID/root` first
   * (its own debug files), then `''` for the host.
   */
  readonly roots: readonly string[];
  /** Global debug directories, absolute (gdb's debug-file-directory; default `/usr/lib/debug`). */
  readonly debugDirs: readonly string[];
  /** Loads a candidate (tests inject; default: the cached file loader). */
  readonly load?: (path: string, rule?: OpenRule) => ElfImage;
}

/** A debug file that belongs to an image. */
export interface FoundDebugFile {
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
const BUILD_ID_RULE: OpenRule = { follow: true, maxSize: DEBUG_FILE_CAP };
const DEBUGLINK_RULE: OpenRule = { follow: false, maxSize: DEBUG_FILE_CAP };

/** CRC-32 of whole files by identity: libc's 4 MB debug file is summed once, not per attach. */
const crcCache = new Map<string, number>();
/** 1 MiB is under a millisecond of zlib's CRC: the event loop gets a turn between chunks. */
const CHUNK = 1 << 20;

/**
 * CRC-32 of a file's whole contents (what `.gnu_debuglink` records), and its identity key.
 * Asynchronous: each chunk is read through the thread pool, so a signal is handled between
 * chunks and a slow disk never blocks the event loop. Reads no more than the size fstat gave.
 */
export async function fileCrc32(path: string, rule: OpenRule = DEBUGLINK_RULE): Promise<{ crc: number; key: string }> {
  const { handle, stat } = await openUntrusted(path, { follow: rule.follow ?? false, maxSize: rule.maxSize ?? DEBUG_FILE_CAP });
  try {
    const key = identityKey({ dev: stat.dev, ino: stat.ino, mtimeNs: stat.mtimeNs, size: stat.size });
    const known = crcCache.get(key);
    if (known !== undefined) return { crc: known, key };
    const size = Number(stat.size);
    const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(size, 1)));
    let crc = 0;
    for (let off = 0; off < size; ) {
      const { bytesRead } = await handle.read(buf, 0, Math.min(buf.length, size - off), off);
      if (bytesRead === 0) break;
      crc = crc32(buf.subarray(0, bytesRead), crc);
      off += bytesRead;
    }
    crcCache.set(key, crc);
    return { crc, key };
  } finally {
    await handle.close();
  }
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
  const load = search.load ?? loadElfFile;
  const self = image.file && identityKey(image.file);
  const tryLoad = (path: string, rule: OpenRule): ElfImage | undefined => {
    try {
      const got = load(path, rule);
      return got.file && identityKey(got.file) === self ? undefined : got;
    } catch {
      return undefined;
    }
  };
  const id = image.buildId;
  if (id && /^[0-9a-f]{4,}$/.test(id)) {
    for (const root of search.roots) {
      for (const dir of search.debugDirs) {
        const path = root + posix.join(dir, '.build-id', id.slice(0, 2), `${id.slice(2)}.debug`);
        const got = tryLoad(path, BUILD_ID_RULE);
        if (got && got.buildId === id) return { path, image: got, via: 'build-id' };
      }
    }
  }
  const link = image.debugLink;
  const dir = posix.normalize(dirname(modulePath));
  if (link && safeLinkName(link.file) && posix.isAbsolute(dir) && !dir.split('/').includes('..')) {
    const places = [join(dir, link.file), join(dir, '.debug', link.file), ...search.debugDirs.map((d) => join(d, dir, link.file))];
    for (const root of search.roots) {
      for (const place of places) {
        const path = root + place;
        let sum: { crc: number; key: string };
        try {
          sum = await fileCrc32(path, DEBUGLINK_RULE);
        } catch {
          continue;
        }
        if (sum.crc !== link.crc || sum.key === self) continue;
        const got = tryLoad(path, DEBUGLINK_RULE);
        // The file summed must be the file parsed (not replaced in between).
        if (got && (!got.file || identityKey(got.file) === sum.key)) return { path, image: got, via: 'debuglink' };
      }
    }
  }
  return undefined;
}

/** Forgets the CRC cache (tests). */
export function clearDebugFileCache(): void {
  crcCache.clear();
}
