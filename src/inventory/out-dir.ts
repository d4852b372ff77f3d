/**
 * A directory that pdbg (often root) fills without trusting anyone else who can write near it.
 *
 * Node has no openat(2) family, so every entry is created through `/proc/self/fd/N/NAME`, where
 * N is an open descriptor of the directory: the kernel resolves that magic link to the open
 * directory itself, as openat's dirfd, so renaming a directory or planting a symlink in its
 * place after we opened it moves nothing of ours. Every file is created exclusively and never
 * through a symlink (O_CREAT|O_EXCL|O_NOFOLLOW; mkdir and symlink never follow their last
 * component). Whoever can write the parent of the directory can at most make pdbg fail, never
 * send a write to another file.
 *
 * The path to it is opened one component at a time from `/`, each with O_NOFOLLOW|O_DIRECTORY
 * in the one before it: no symlink anywhere in it is followed, a system one (/var/run) included,
 * since where a link leads is up to whoever can change it or the directory that holds it (a
 * snapshot of `-o A/link/new` went to /etc/new when only the last component was checked). `..`
 * is taken lexically, as `path.resolve` does, and the working directory is the kernel's
 * (getcwd holds no symlink), so a relative path is held to the same rule.
 *
 * Only a new directory, or an existing empty one that we own and no one else can write, is
 * accepted: nothing already there is ever written over, and no one but us (and root) can add,
 * swap or remove entries while we work. On failure, discard() removes exactly the entries this
 * writer created (device and inode checked again before each unlink), never anything it found.
 */
import { closeSync, constants, existsSync, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, rmdirSync, symlinkSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ProcfsError } from '../procfs/errors.js';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_DIRECTORY } = constants;
/**
 * Linux's O_PATH (Node does not export it): a directory on the way needs only search
 * permission, as in the kernel's own walk, not read permission as O_RDONLY would.
 */
const O_PATH = 0o10000000;

/** Never group- or world-writable, whatever the umask: no one else may add entries under us. */
const DIR_MODE = 0o755;
const ONLY_OURS = 'pdbg writes only into a new directory or an empty one that only you can write';
const NO_SYMLINK = 'is a symbolic link (pdbg does not write through one)';
const NO_SYMLINK_ON_PATH = 'is a symbolic link (pdbg follows none on the way to the directory it writes: name the real path)';

/** One line for a failed file operation: the path the user knows, and what went wrong. */
export function fsError(err: unknown, path: string): ProcfsError {
  if (err instanceof ProcfsError) return err;
  const e = err as NodeJS.ErrnoException;
  const code = e?.code ?? 'EIO';
  return new ProcfsError(code, `${path}: ${fsReason(e, code)}`);
}

function fsReason(e: NodeJS.ErrnoException, code: string): string {
  if (code === 'EEXIST') return 'exists already (pdbg does not write over or through a file it did not create)';
  if (code === 'ELOOP') return NO_SYMLINK;
  // Node's message is "CODE: description, syscall 'path'"; the path would be /proc/self/fd/N.
  const m = /^[A-Z0-9_]+: (.*?)(?:, \w+(?: '.*)?)?$/s.exec(e?.message ?? '');
  return m?.[1] ?? code;
}

interface Created {
  name: string;
  dev: number;
  ino: number;
  /** The entries of a directory we made, to remove before it. */
  entries?: Created[];
}

/** The magic-link name of `name` inside the directory open as `fd`. */
function at(fd: number, name?: string): string {
  return name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`;
}

/**
 * Opens the absolute, normalised directory `abs` as an O_PATH descriptor, one component at a
 * time from `/`, refusing a symlink in any of them (ELOOP, naming the link) or a non-directory.
 */
function openPath(abs: string): number {
  let fd = openSync('/', O_PATH | O_DIRECTORY);
  let here = '';
  try {
    for (const name of abs.split('/').filter((n) => n !== '')) {
      here += `/${name}`;
      let next: number;
      try {
        next = openSync(at(fd, name), O_PATH | O_DIRECTORY | O_NOFOLLOW);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if ((code === 'ENOTDIR' || code === 'ELOOP') && isSymlink(fd, name)) throw new ProcfsError('ELOOP', `${here}: ${NO_SYMLINK_ON_PATH}`);
        throw fsError(err, here);
      }
      closeSync(fd);
      fd = next;
    }
    return fd;
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

function isSymlink(dirFd: number, name: string): boolean {
  try {
    return lstatSync(at(dirFd, name)).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Opens `name` in `dirFd` as a directory, refusing a symlink (ELOOP) or a non-directory. */
function openDir(dirFd: number, name: string): number {
  return openSync(at(dirFd, name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
}

export interface OpenOptions {
  /** The sentence for a directory that already has entries (it is refused either way). */
  notEmpty?: (path: string, names: string[]) => string;
}

export class OutDir {
  private closed = false;

  private constructor(
    /** The path as the user named it, for messages. */
    readonly path: string,
    private readonly fd: number,
    private readonly entries: Created[],
    /** The parent's descriptor and our record in it, when we made this directory. */
    private readonly made?: { parentFd: number; self: Created },
  ) {}

  /**
   * Neither `path` nor any directory above it may be a symlink; it is created if missing (its
   * parent must exist), else it must be empty.
   */
  static open(path: string, o: OpenOptions = {}): OutDir {
    if (!existsSync('/proc/self/fd')) throw new ProcfsError('ENOENT', `${path}: writing it needs /proc mounted (/proc/self/fd)`);
    const abs = resolve(path);
    const name = basename(abs);
    let parentFd: number;
    try {
      parentFd = openPath(dirname(abs));
    } catch (err) {
      throw fsError(err, dirname(path));
    }
    let made = false;
    let fd: number | undefined;
    try {
      if (name !== '') {
        try {
          mkdirSync(at(parentFd, name), DIR_MODE);
          made = true;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
      }
      try {
        fd = name === '' ? openSync('/', O_RDONLY | O_DIRECTORY) : openDir(parentFd, name);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOTDIR') throw err;
        // O_DIRECTORY|O_NOFOLLOW says ENOTDIR for a symlink too: name the one that matters.
        if (lstatSync(at(parentFd, name)).isSymbolicLink()) throw new ProcfsError('ELOOP', `${path}: ${NO_SYMLINK}`);
        throw new ProcfsError('ENOTDIR', `${path}: exists and is not a directory`);
      }
      const st = fstatSync(fd);
      if (made) {
        // Between our mkdir and open, whoever can write the parent could have put their own
        // directory there: only one we own is ours to fill and later remove.
        if (st.uid !== process.geteuid!()) {
          made = false;
          throw new ProcfsError('EEXIST', `${path}: replaced by another user while being created`);
        }
        const self: Created = { name, dev: st.dev, ino: st.ino, entries: [] };
        return new OutDir(path, fd, self.entries!, { parentFd, self });
      }
      // Only a directory no one else can write: in one they can, they could plant or swap an
      // entry between our checks and writes (or reuse an inode number we would trust later).
      const euid = process.geteuid!();
      if (st.uid !== euid) throw new ProcfsError('EPERM', `${path}: owned by uid ${st.uid}, not by you: ${ONLY_OURS}`);
      if ((st.mode & 0o022) !== 0) throw new ProcfsError('EPERM', `${path}: writable by others (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}): ${ONLY_OURS}`);
      const names = readdirSync(at(fd));
      if (names.length > 0) {
        const why = o.notEmpty?.(path, names) ?? `${path}: not empty (pdbg writes only into a new or empty directory)`;
        throw new ProcfsError('ENOTEMPTY', why);
      }
      closeSync(parentFd);
      return new OutDir(path, fd, []);
    } catch (err) {
      if (fd !== undefined) closeSync(fd);
      if (made) {
        try {
          rmdirSync(at(parentFd, name));
        } catch {
          /* not empty or not ours any more: leave it */
        }
      }
      closeSync(parentFd);
      throw fsError(err, path);
    }
  }

  /** A new subdirectory, open for writing; close() it when done (descriptors are finite). */
  mkdir(name: string): OutDir {
    const p = join(this.path, name);
    let fd: number;
    try {
      mkdirSync(at(this.fd, name), DIR_MODE);
      fd = openDir(this.fd, name);
    } catch (err) {
      throw fsError(err, p);
    }
    const st = fstatSync(fd);
    const self: Created = { name, dev: st.dev, ino: st.ino, entries: [] };
    this.entries.push(self);
    return new OutDir(p, fd, self.entries!);
  }

  writeFile(name: string, data: Buffer | string): void {
    const p = join(this.path, name);
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let fd: number;
    try {
      fd = openSync(at(this.fd, name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o666);
    } catch (err) {
      throw fsError(err, p);
    }
    try {
      const st = fstatSync(fd);
      // Recorded before the write, so a file cut short by ENOSPC is removed with the rest.
      this.entries.push({ name, dev: st.dev, ino: st.ino });
      for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off);
    } catch (err) {
      throw fsError(err, p);
    } finally {
      closeSync(fd);
    }
  }

  symlink(target: string, name: string): void {
    const p = join(this.path, name);
    try {
      symlinkSync(target, at(this.fd, name));
      const st = lstatSync(at(this.fd, name));
      this.entries.push({ name, dev: st.dev, ino: st.ino });
    } catch (err) {
      throw fsError(err, p);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
    if (this.made) closeSync(this.made.parentFd);
  }

  /**
   * Removes what this writer created (the directory itself too, if it made it) and closes it.
   * An entry whose device and inode are no longer the ones we created is left alone: someone
   * else put it there. Best effort; the error that led here is the one worth reporting.
   */
  discard(): void {
    if (this.closed) return;
    if (this.made) removeEntry(this.made.parentFd, this.made.self);
    else removeEntries(this.fd, this.entries);
    this.close();
  }
}

function removeEntries(dirFd: number, entries: Created[]): void {
  for (const e of [...entries].reverse()) removeEntry(dirFd, e);
}

function removeEntry(dirFd: number, e: Created): void {
  try {
    const st = lstatSync(at(dirFd, e.name));
    if (st.dev !== e.dev || st.ino !== e.ino) return;
    if (e.entries) {
      const fd = openDir(dirFd, e.name);
      try {
        const again = fstatSync(fd);
        if (again.dev !== e.dev || again.ino !== e.ino) return;
        removeEntries(fd, e.entries);
      } finally {
        closeSync(fd);
      }
      rmdirSync(at(dirFd, e.name));
    } else {
      unlinkSync(at(dirFd, e.name));
    }
  } catch {
    /* gone, or no longer removable: leave it */
  }
}
