/**
 * The files a target maps, as the mount serves them to an engine that has nothing but the
 * mount (pdbg extensions, Linux's names): `PID/map_files/START-END` is the very file mapped at
 * that range, `PID/root/PATH` a path through the target's root. Every byte comes from the
 * source (`readFile`/`statFile`), so a mount of a remote machine serves that machine's files
 * and never the mount host's. Both are owner-or-root, as /proc/PID/root and map_files are.
 */
import { ProcfsError } from '../procfs/errors.js';
import { parseLinuxMaps } from '../procfs/map.js';
import type { FileRef, ProcFs } from '../procfs/source.js';

/** What a looked-up name is: a file (its size and time from the source) or a directory to walk on. */
export type TargetFileKind =
  | { readonly kind: 'file'; readonly size: number; readonly mtimeMs: number }
  | { readonly kind: 'dir' };

/** Where a served file's bytes come from. */
export interface TargetFileRef {
  readonly path: string;
  readonly ref: FileRef;
}

const RANGE = /^([0-9a-f]{1,16})-([0-9a-f]{1,16})$/;

/**
 * A path under `PID/root/` (its components, none `.`/`..`/empty): a regular file the source
 * stats, or (EINVAL: the source reads only regular files) a directory to go on through.
 */
export async function lookupUnderRoot(fs: ProcFs, pid: number, parts: readonly string[]): Promise<TargetFileKind> {
  if (parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('/') || p.includes('\0'))) {
    throw new ProcfsError('ENOENT', `${pid}/root: no such name`, pid);
  }
  const path = `/${parts.join('/')}`;
  try {
    const id = await fs.statFile(pid, path, { root: 'target' });
    return { kind: 'file', size: id.size, mtimeMs: Number(id.mtimeNs / 1_000_000n) };
  } catch (err) {
    if (err instanceof ProcfsError && err.code === 'EINVAL') return { kind: 'dir' };
    throw err;
  }
}

/** The mapping a `map_files` name stands for, from the target's `maps` node; ENOENT when none is a file there. */
export async function mappingNamed(fs: ProcFs, pid: number, name: string): Promise<TargetFileRef> {
  const m = RANGE.exec(name);
  if (!m) throw new ProcfsError('ENOENT', `${pid}/map_files/${name}: not a mapping (START-END in hex)`, pid);
  const start = BigInt(`0x${m[1]}`);
  const end = BigInt(`0x${m[2]}`);
  const maps = parseLinuxMaps((await fs.read(pid, 'maps')).toString('utf8'));
  const e = maps.find((x) => x.start === start && x.end === end);
  if (!e || e.inode === 0 || e.path === null || !e.path.startsWith('/')) {
    throw new ProcfsError('ENOENT', `${pid}/map_files/${name}: no file mapped there`, pid);
  }
  return { path: e.path.replace(/ \(deleted\)$/, ''), ref: { mapping: { start, end, inode: e.inode } } };
}

/** The names `map_files/` lists: every file mapping, once per range. */
export async function mappingNames(fs: ProcFs, pid: number): Promise<string[]> {
  const maps = parseLinuxMaps((await fs.read(pid, 'maps')).toString('utf8'));
  return maps.filter((e) => e.inode !== 0 && e.path?.startsWith('/')).map((e) => `${e.start.toString(16)}-${e.end.toString(16)}`);
}
