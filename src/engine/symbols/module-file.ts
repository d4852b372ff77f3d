/**
 * Which file to read for a mapped module. /proc/PID/maps prints paths as the *reader* sees them
 * (d_path against pdbg's own root), so for a chrooted target `/proc/PID/root` + path can name
 * nothing, or worse another file; a file deleted after being mapped has no path at all. So each
 * candidate must be the very inode the maps line names, and when none is,
 * /proc/PID/map_files/START-END opens the mapped file itself (root only).
 *
 * maps prints a resolved path, so its last component is never a symbolic link: a candidate
 * that is one (a jail's own `/lib/x.so -> /dev/watchdog`) is refused, not followed. The
 * map_files entries are links by design (to the mapped inode) and are followed.
 */
import type { ElfImage } from '../../elf/types.js';
import { ProcfsError } from '../../procfs/errors.js';
import type { MapEntry } from '../../procfs/map.js';
import { openImage, type FileOpener } from './image-cache.js';

/** Which view of the filesystem a path is opened in: the target's root, or its machine's. */
export type FileRoot = 'target' | 'host';

/** Where to find a module's file. */
export interface ModuleFileSource {
  readonly open: FileOpener;
  /** The views tried in order (default: the target's root, then its machine's). */
  readonly roots?: readonly FileRoot[];
}

/** The image of a mapped file and the path it was read through. */
export interface ModuleFile {
  readonly image: ElfImage;
  readonly openedAs: string;
}

const DELETED = ' (deleted)';

/** Linux `major:minor` (hex, as maps prints) of an encoded dev_t, as glibc's gnu_dev_major/minor split it. */
function devString(dev: bigint): string {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}`;
}

function sameFile(image: ElfImage, m: MapEntry): boolean {
  const f = image.file;
  // Images with no identity (bytes in memory) are taken at their word.
  if (!f) return true;
  return f.ino === BigInt(m.inode) && (m.dev === '-' || devString(f.dev) === m.dev);
}

/**
 * The path in each view, then (where the source can: live Linux as root, an agent) the mapping
 * itself. Throws the first failure when no candidate gives an image at all.
 */
export async function openModuleFile(mappings: readonly MapEntry[], src: ModuleFileSource): Promise<ModuleFile> {
  const first = mappings[0]!;
  const path = first.path!.endsWith(DELETED) ? first.path!.slice(0, -DELETED.length) : first.path!;
  let fallback: ModuleFile | undefined;
  let firstError: unknown;
  for (const root of src.roots ?? ['target', 'host']) {
    try {
      const image = await openImage(src.open, path, { root, follow: false });
      if (sameFile(image, first)) return { image, openedAs: `${root}:${path}` };
      fallback ??= { image, openedAs: `${root}:${path}` };
    } catch (err) {
      firstError ??= err;
    }
  }
  for (const m of mappings) {
    try {
      return { image: await openImage(src.open, path, { mapping: { start: m.start, end: m.end, inode: m.inode }, follow: true }), openedAs: `map:${m.start.toString(16)}-${m.end.toString(16)}` };
    } catch (err) {
      firstError ??= err;
    }
  }
  // An identity mismatch where the mapping cannot be opened (not root, or a stacked filesystem
  // that reports other numbers): the path is still the best guess there is.
  if (fallback) return fallback;
  throw firstError instanceof Error ? firstError : new ProcfsError('ENOENT', `${path}: no readable file`);
}
