/**
 * The files a target maps, as the mount serves them to an engine that has nothing but the
 * mount (pdbg extensions, Linux's names): `PID/map_files/START-END` is the very file mapped at
 * that range, `PID/root/PATH` a path through the target's root. Every byte comes from the
 * source (`readFile`/`statFile`), so a mount of a remote machine serves that machine's files
 * and never the mount host's.
 *
 * Who reads what (the security model; issue 17): the daemon runs as root, and these names used
 * to be served with root's rights to anybody who owned the process. Now:
 * - both directories are owner-or-root (p_candebug), as /proc/PID/root and map_files are;
 * - a file under `root/` is opened by the source with the caller's own uid, gid and
 *   supplementary groups (FileRef.as), resolved inside the target's root (absolute links and
 *   `..` stay in it, /proc magic links are refused, and so is any path onto another FUSE,
 *   procfs or sysfs mount, this one included): a user reads through the mount exactly the files
 *   it could open itself from inside the target's root;
 * - a `map_files/` file (which the kernel opens only for CAP_SYS_ADMIN) is opened by the
 *   daemon and served only if its mode lets the caller read it (sources/linux/map-file.ts);
 * - each READ is checked again with the reading caller's credentials, so a descriptor opened
 *   by root and passed to a user reads with the user's rights; the reads are direct I/O so
 *   that no read is answered from the page cache without this check.
 */
import { ProcfsError } from '../procfs/errors.js';
import { parseLinuxMaps } from '../procfs/map.js';
import type { FileCaller, FileRef, ProcFs } from '../procfs/source.js';

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
export async function lookupUnderRoot(fs: ProcFs, pid: number, parts: readonly string[], as?: FileCaller): Promise<TargetFileKind> {
  if (parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('/') || p.includes('\0'))) {
    throw new ProcfsError('ENOENT', `${pid}/root: no such name`, pid);
  }
  const path = `/${parts.join('/')}`;
  try {
    const id = await fs.statFile(pid, path, { root: 'target', ...(as && { as }) });
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

/** A name under `root/` or `map_files/`: a file, or (root/ only) a directory to walk on. */
export interface TargetFileItem {
  readonly kind: 'tfile';
  readonly pid: number;
  /** The process's start time when it was looked up: a reused pid is another process. */
  readonly start: string;
  readonly under: 'root' | 'map_files';
  /** root/: the path's components; map_files/: the one `START-END` name. */
  readonly parts: readonly string[];
  readonly dir: boolean;
}

/** Table entries past this are swept of the ones the kernel holds no reference to. */
const TABLE_SWEEP = 1 << 16;
/** Numbers below every process path's (inodes.ts), above the root's and curproc's. */
const FIRST_INO = 3n;
const LIMIT_INO = 1n << 34n;

/**
 * Inode numbers of the target-file names: given out at LOOKUP (and READDIR), kept while the
 * kernel holds a reference, forgotten at FORGET. The same name of the same process gets the
 * same number while it is held.
 */
export class TargetFileInodes {
  private readonly byIno = new Map<bigint, TargetFileItem>();
  private readonly byKey = new Map<string, bigint>();
  private readonly refs = new Map<bigint, bigint>();
  private next = FIRST_INO;

  private static key(it: Omit<TargetFileItem, 'kind'>): string {
    return `${it.pid}\0${it.start}\0${it.under}\0${it.parts.join('/')}\0${it.dir ? 'd' : 'f'}`;
  }

  item(ino: bigint): TargetFileItem | undefined {
    return this.byIno.get(ino);
  }

  /** The number of a name; `looked`: a LOOKUP reply (the kernel now holds one more reference). */
  inoOf(it: Omit<TargetFileItem, 'kind'>, looked: boolean): bigint {
    const key = TargetFileInodes.key(it);
    let ino = this.byKey.get(key);
    if (ino === undefined) {
      if (this.byIno.size >= TABLE_SWEEP) this.sweep();
      ino = this.allocate();
      this.byKey.set(key, ino);
      this.byIno.set(ino, { kind: 'tfile', ...it });
    }
    if (looked) this.refs.set(ino, (this.refs.get(ino) ?? 0n) + 1n);
    return ino;
  }

  /** FORGET: true when the number was one of this table's. */
  forget(ino: bigint, nlookup: bigint): boolean {
    const it = this.byIno.get(ino);
    if (!it) return false;
    const left = (this.refs.get(ino) ?? 0n) - nlookup;
    if (left > 0n) {
      this.refs.set(ino, left);
    } else {
      this.refs.delete(ino);
      this.byIno.delete(ino);
      this.byKey.delete(TargetFileInodes.key(it));
    }
    return true;
  }

  get size(): number {
    return this.byIno.size;
  }

  private allocate(): bigint {
    for (;;) {
      const ino = this.next;
      this.next = this.next + 1n >= LIMIT_INO ? FIRST_INO : this.next + 1n;
      if (!this.byIno.has(ino)) return ino;
    }
  }

  /** Drops the names only READDIR gave out (no reference held): a listing must not grow the table for ever. */
  private sweep(): void {
    for (const [ino, it] of this.byIno) {
      if (this.refs.has(ino)) continue;
      this.byIno.delete(ino);
      this.byKey.delete(TargetFileInodes.key(it));
    }
  }
}
