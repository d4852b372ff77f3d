/**
 * ELF images and debug files read through a source (`ProcFs.readFile`/`statFile`), for a source
 * whose files are not this machine's (a remote hop): the bytes come from the target's side, are
 * parsed here and kept with the image for later section reads. Nothing here opens a local file,
 * so a far side naming paths cannot make pdbg read this machine's files.
 */
import { ProcfsError } from '../../procfs/errors.js';
import type { MapEntry } from '../../procfs/map.js';
import type { FileRef, ProcFs } from '../../procfs/source.js';
import { crc32 } from './crc32.js';
import { safeLinkName, type FoundDebugFile } from './debug-file.js';
import { cachedImage, identityKey, rememberImage } from './elf-cache.js';
import { bufferReader, parseElf, type ElfImage } from './elf.js';
import { attachBytes, bytesOf } from './sections.js';
import { posix } from 'node:path';

/** The biggest file fetched whole through a source (a bigger executable gives no symbols). */
const FETCH_CAP = 256 << 20;

/** One file through the source, parsed once per identity (shared by every process that maps it). */
async function loadVia(fs: ProcFs, pid: number, path: string, ref: FileRef): Promise<ElfImage> {
  const id = await fs.statFile(pid, path, ref);
  if (id.size > FETCH_CAP) throw new ProcfsError('EFBIG', `${path}: ${id.size} bytes, more than the ${FETCH_CAP >> 20} MiB pdbg fetches for symbols`, pid);
  const key = `via:${identityKey({ dev: id.dev, ino: id.ino, mtimeNs: id.mtimeNs, size: BigInt(id.size) })}`;
  const hit = cachedImage(key);
  if (hit) return hit;
  const bytes = await fs.readFile(pid, path, { ...ref, offset: 0, length: id.size });
  const image = parseElf(bufferReader(bytes));
  attachBytes(image, bytes);
  rememberImage(key, image);
  return image;
}

/** The mapped file of a module (its first mapping lets the source find it where the path does not). */
export async function loadModuleVia(fs: ProcFs, pid: number, mappings: readonly MapEntry[]): Promise<ElfImage> {
  const m = mappings[0]!;
  const path = m.path!.replace(/ \(deleted\)$/, '');
  return loadVia(fs, pid, path, { mapping: { start: m.start, end: m.end, inode: m.inode } });
}

/** gdb's debug-file search (debug-file.ts), every candidate read through the source: the target's root, then its machine's. */
export async function findDebugFileVia(fs: ProcFs, pid: number, image: ElfImage, modulePath: string, debugDirs: readonly string[]): Promise<FoundDebugFile | undefined> {
  const roots: FileRef['root'][] = ['target', 'host'];
  const attempt = async (path: string, root: FileRef['root']): Promise<ElfImage | undefined> => {
    try {
      return await loadVia(fs, pid, path, { root });
    } catch {
      return undefined;
    }
  };
  const id = image.buildId;
  if (id && /^[0-9a-f]{4,}$/.test(id)) {
    for (const root of roots) {
      for (const dir of debugDirs) {
        const path = posix.join(dir, '.build-id', id.slice(0, 2), `${id.slice(2)}.debug`);
        const got = await attempt(path, root);
        if (got && got !== image && got.buildId === id) return { path, image: got, via: 'build-id' };
      }
    }
  }
  const link = image.debugLink;
  const dir = posix.normalize(posix.dirname(modulePath));
  if (link && safeLinkName(link.file) && posix.isAbsolute(dir) && !dir.split('/').includes('..')) {
    const places = [posix.join(dir, link.file), posix.join(dir, '.debug', link.file), ...debugDirs.map((d) => posix.join(d, dir, link.file))];
    for (const root of roots) {
      for (const path of places) {
        const got = await attempt(path, root);
        if (!got || got === image) continue;
        const bytes = bytesOf(got);
        if (bytes && crc32(bytes) === link.crc) return { path, image: got, via: 'debuglink' };
      }
    }
  }
  return undefined;
}
