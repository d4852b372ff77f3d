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
 */
import { closeSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { crc32 } from './crc32.js';
import { fdIdentity, fdReader, identityKey, loadElfFile, openOrThrow } from './elf-cache.js';
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
  readonly load?: (path: string) => ElfImage;
}

/** A debug file that belongs to an image. */
export interface FoundDebugFile {
  readonly path: string;
  readonly image: ElfImage;
  /** Which rule found it. */
  readonly via: 'build-id' | 'debuglink';
}

export const DEFAULT_DEBUG_DIRS: readonly string[] = ['/usr/lib/debug'];

/** CRC-32 of whole files by identity: libc's 4 MB debug file is summed once, not per attach. */
const crcCache = new Map<string, number>();
const CHUNK = 1 << 20;

/** CRC-32 of a file's whole contents (what `.gnu_debuglink` records), and its identity key. */
export function fileCrc32(path: string): { crc: number; key: string } {
  const fd = openOrThrow(path);
  try {
    const key = identityKey(fdIdentity(fd, path));
    const known = crcCache.get(key);
    if (known !== undefined) return { crc: known, key };
    const read = fdReader(fd);
    let crc = 0;
    for (let off = 0; ; off += CHUNK) {
      const b = read(off, CHUNK);
      crc = crc32(b, crc);
      if (b.length < CHUNK) break;
    }
    crcCache.set(key, crc);
    return { crc, key };
  } finally {
    closeSync(fd);
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
export function findDebugFile(image: ElfImage, modulePath: string, search: DebugSearch): FoundDebugFile | undefined {
  const load = search.load ?? loadElfFile;
  const self = image.file && identityKey(image.file);
  const tryLoad = (path: string): ElfImage | undefined => {
    try {
      const got = load(path);
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
        const got = tryLoad(path);
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
          sum = fileCrc32(path);
        } catch {
          continue;
        }
        if (sum.crc !== link.crc || sum.key === self) continue;
        const got = tryLoad(path);
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
