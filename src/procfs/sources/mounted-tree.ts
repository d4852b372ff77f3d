/**
 * A live tree: the BSD layout served by a file system that acts on writes (a `pdbg mount`, or a
 * BSD /proc reached through one), so the engine runs over nothing but open/read/write: `ctl`
 * takes words (a `wait` write returns when the target stops), `mem` is read and written at
 * offset = address, `regs` whole. Reads of text nodes keep the tree's checks (tree.ts).
 *
 * `ctl wait` blocks for as long as the target runs, so it goes through libuv's pool; every
 * other call is a plain pread/pwrite (native/syscalls.ts) on a handle kept open per node: a
 * promise and a pool hop cost ~110 µs a read here against ~20 µs for the FUSE round trip itself
 * (bench row `mount`). So the server must be another process than the one debugging through
 * it, which `pdbg mount` always is (a text node read is synchronous in tree.ts already).
 *
 * Files as the target sees them (symbols) come from the mount's pdbg extensions:
 * `PID/map_files/START-END` (the very file mapped there) and `PID/root/PATH` (the target's root).
 */
import { closeSync, constants, openSync, write, writeSync } from 'node:fs';
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { pread, pwrite } from '../../../native/syscalls.js';
import { posix } from 'node:path';
import { errnoName, ProcfsError } from '../errors.js';
import { notMapped } from '../mem.js';
import { nodeSpec, type NodeName } from '../node.js';
import type { FileIdentity, FileRef, NodeOptions, SourceCapabilities, SyncRelease } from '../source.js';
import { TreeProcFs } from './tree.js';

/** The most one readFile fetches (an executable for its symbols); as the remote source's cap. */
const FILE_CAP = 256 << 20;

// libuv opens every fd close-on-exec already.
const WRITE_FLAGS = constants.O_WRONLY | constants.O_NOFOLLOW;
const RDWR_FLAGS = constants.O_RDWR | constants.O_NOFOLLOW;
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW;

/** What a write-only node's errno means to a person, since a mount gives only the number. */
const WHAT: Record<string, string> = {
  EBUSY: 'refused: the target is not in the state this needs (running, not traced by this mount, or traced by another process)',
  EOPNOTSUPP: 'not a word this node takes',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EINTR: 'interrupted',
  EINVAL: 'invalid',
  EROFS: 'read-only',
  EIO: 'input/output error',
};

function codeOf(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.errno === 'number') return errnoName(-e.errno);
  return 'EIO';
}

export class MountedTreeProcFs extends TreeProcFs implements SyncRelease {
  override readonly capabilities: SourceCapabilities = { transport: 'per-op', describer: this, jailDetails: this, syncRelease: this };
  /** Open descriptors by path under the root, opened once per node and mode. */
  private readonly handles = new Map<string, number>();

  /**
   * A thread's own node even when the thread is the main one: `PID/regs` is the thread the
   * source last stopped on, `PID/task/PID/regs` the main thread's, as `{ tid: pid }` asks.
   */
  private where(pid: number, node: NodeName, tid?: number): string {
    return tid === undefined || nodeSpec(node).scope !== 'thread' ? `${pid}/${node}` : `${pid}/task/${tid}/${node}`;
  }

  /** A failed open is not cached: the process may appear, or the caller gain the right. */
  private handle(rel: string, flags: number): number {
    const key = `${flags}:${rel}`;
    let fd = this.handles.get(key);
    if (fd === undefined) {
      fd = openSync(`${this.root}/${rel}`, flags);
      this.handles.set(key, fd);
    }
    return fd;
  }

  /** A mount's errno for a node as one line; an unmapped address names the address. */
  private failure(err: unknown, pid: number, node: NodeName, rel: string, detail?: string, addr?: bigint): ProcfsError {
    const code = codeOf(err);
    if (code === 'ENOENT' || code === 'ESRCH') {
      // A handle of a process that is gone: the next call must open afresh (pids are reused).
      for (const k of [...this.handles.keys()]) if (k.slice(k.indexOf(':') + 1).startsWith(`${pid}/`)) this.dropHandle(k);
      return new ProcfsError('ESRCH', `no process ${pid}`, pid, node);
    }
    if (node === 'mem' && code === 'EIO' && addr !== undefined) return notMapped(pid, addr);
    if (node === 'ctl' && code === 'EOPNOTSUPP' && detail !== undefined) return new ProcfsError(code, `ctl: unknown control word '${detail}'`, pid, node);
    const what = WHAT[code] ?? code;
    return new ProcfsError(code, `${rel}${detail !== undefined ? ` ${detail}` : ''}: ${what}`, pid, node);
  }

  private dropHandle(key: string): void {
    const fd = this.handles.get(key);
    this.handles.delete(key);
    if (fd !== undefined) closeQuietly(fd);
  }

  override async threads(pid: number): Promise<number[]> {
    try {
      return (await readdir(`${this.root}/${pid}/task`)).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
    } catch (err) {
      if (codeOf(err) === 'ENOENT') throw new ProcfsError('ESRCH', `no process ${pid}`, pid, 'task');
      throw this.failure(err, pid, 'status', `${pid}/task`);
    }
  }

  override async read(pid: number, node: NodeName, opts: NodeOptions = {}): Promise<Buffer> {
    if (!nodeSpec(node).control) return super.read(pid, node, opts);
    const len = node === 'mem' ? opts.length ?? 0 : nodeSpec(node).cap;
    const buf = Buffer.allocUnsafe(len);
    const n = await this.readInto(pid, node, buf, opts);
    return Buffer.from(buf.subarray(0, n));
  }

  override async readInto(pid: number, node: NodeName, into: Uint8Array, opts: NodeOptions = {}): Promise<number> {
    if (!nodeSpec(node).control) return super.readInto(pid, node, into, opts);
    const rel = this.where(pid, node, opts.tid);
    const want = Math.min(opts.length ?? into.length, into.length);
    const at = node === 'mem' ? opts.offset ?? 0n : 0n;
    try {
      const fd = this.handle(rel, nodeSpec(node).mode === 'r' ? READ_FLAGS : RDWR_FLAGS);
      let done = 0;
      // A mem read may come back short at a mapping's end; the rest is then unmapped.
      while (done < want) {
        const n = pread(fd, done === 0 ? into : into.subarray(done), want - done, at + BigInt(done));
        // Past a mapping's end the mount answers EIO: what was read before it is the read (short).
        if (n < 0 && done > 0 && node === 'mem') break;
        if (n < 0) throw errnoError(-n);
        if (n === 0) break;
        done += n;
        if (node !== 'mem') break;
      }
      if (node === 'mem' && done === 0 && want > 0) throw errnoError(5);
      return done;
    } catch (err) {
      throw this.failure(err, pid, node, rel, undefined, at + 0n);
    }
  }

  override async write(pid: number, node: NodeName, data: string | Uint8Array, opts: NodeOptions = {}): Promise<number> {
    const spec = nodeSpec(node);
    if (spec.mode === 'r') throw new ProcfsError('EROFS', `${pid}/${node}: a read-only node`, pid, node);
    // write(2) of no bytes never reaches a FUSE server: the empty word is refused here, as the
    // live source's ctl refuses it.
    if (spec.content === 'text' && (typeof data === 'string' ? data.length : data.byteLength) === 0) {
      throw new ProcfsError('EOPNOTSUPP', `${node}: empty control word`, pid, node);
    }
    const rel = this.where(pid, node, opts.tid);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    // mem's offset is the address, a register struct's the field's (a partial write); a word has none.
    const at = spec.content === 'text' ? 0n : opts.offset ?? 0n;
    if (node === 'mem' && at + BigInt(bytes.length) > BigInt(Number.MAX_SAFE_INTEGER)) throw notMapped(pid, at);
    try {
      const fd = this.handle(rel, spec.mode === 'w' ? WRITE_FLAGS : RDWR_FLAGS);
      if (node === 'ctl' && isWait(bytes)) {
        // Blocks until the target stops: on libuv's pool, so the JS thread goes on.
        return await new Promise<number>((res, rej) => write(fd, bytes, 0, bytes.length, 0, (err, n) => (err ? rej(err) : res(n))));
      }
      const n = pwrite(fd, bytes, bytes.length, at);
      if (n < 0) throw errnoError(-n);
      if (node === 'mem' && n < bytes.length) throw errnoError(5);
      return n;
    } catch (err) {
      const word = node === 'ctl' || node === 'note' || node === 'notepg' ? Buffer.from(bytes).toString('latin1').trim() : undefined;
      throw this.failure(err, pid, node, rel, word, at);
    }
  }

  /** The mount's path of a file as the target sees it; never a path that climbs out. */
  private filePath(pid: number, path: string, ref: FileRef): string {
    // The mount is read with pdbg's own rights: it cannot open a file as somebody else, so it
    // serves a caller's read (FileRef.as) only to root, who has those rights anyway.
    if (ref.as && ref.as.uid !== 0) throw new ProcfsError('EOPNOTSUPP', `${path}: a mounted tree cannot read files with uid ${ref.as.uid}'s rights`, pid);
    if (ref.mapping) return `${this.root}/${pid}/map_files/${ref.mapping.start.toString(16)}-${ref.mapping.end.toString(16)}`;
    if (ref.root === 'host') throw new ProcfsError('ENOENT', `${path}: a mounted tree serves the target's files, not its machine's`, pid);
    const clean = posix.normalize(path);
    if (!posix.isAbsolute(clean) || clean.split('/').includes('..')) throw new ProcfsError('EINVAL', `${path}: not an absolute path`, pid);
    return `${this.root}/${pid}/root${clean}`;
  }

  override async readFile(pid: number, path: string, opts: FileRef & { offset?: number; length?: number } = {}): Promise<Buffer> {
    const p = this.filePath(pid, path, opts);
    let fh: FileHandle | undefined;
    try {
      fh = await open(p, READ_FLAGS);
      const st = await fh.stat();
      if (!st.isFile()) throw new ProcfsError('EINVAL', `${path}: not a regular file`, pid);
      const offset = opts.offset ?? 0;
      const length = Math.min(opts.length ?? st.size - offset, FILE_CAP);
      const buf = Buffer.allocUnsafe(Math.max(0, length));
      let done = 0;
      while (done < buf.length) {
        const { bytesRead } = await fh.read(buf, done, buf.length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return buf.subarray(0, done);
    } catch (err) {
      if (err instanceof ProcfsError) throw err;
      throw new ProcfsError(codeOf(err), `${pid}: ${path}: ${WHAT[codeOf(err)] ?? codeOf(err)}`, pid);
    } finally {
      await fh?.close();
    }
  }

  override async statFile(pid: number, path: string, ref: FileRef = {}): Promise<FileIdentity> {
    try {
      const st = await stat(this.filePath(pid, path, ref), { bigint: true });
      return { dev: st.dev, ino: st.ino, size: Number(st.size), mtimeNs: st.mtimeNs };
    } catch (err) {
      if (err instanceof ProcfsError) throw err;
      throw new ProcfsError(codeOf(err), `${pid}: ${path}: ${WHAT[codeOf(err)] ?? codeOf(err)}`, pid);
    }
  }

  override async spawn(argv: readonly string[]): Promise<number> {
    throw new ProcfsError('EOPNOTSUPP', `cannot start ${argv[0] ?? 'a program'}: ${this.root} serves running processes; start it on the mount's machine and attach`);
  }

  /**
   * The exit guard's release: the bytes back through `mem`, then `detach`, with blocking writes
   * (it runs inside 'exit'). The server is another process here (pdbg's CLI never serves and
   * debugs in one), so blocking on it cannot deadlock.
   */
  releaseSync(pid: number, restore: readonly { addr: bigint; original: number }[], leaveStopped = false, alsoInto: readonly number[] = []): void {
    for (const p of [pid, ...alsoInto]) {
      try {
        if (restore.length > 0) {
          const fd = openSync(`${this.root}/${p}/mem`, RDWR_FLAGS);
          try {
            for (const r of restore) writeSync(fd, Uint8Array.of(r.original), 0, 1, Number(r.addr));
          } finally {
            closeSync(fd);
          }
        }
        const ctl = openSync(`${this.root}/${p}/ctl`, WRITE_FLAGS);
        try {
          writeSync(ctl, p === pid && leaveStopped ? 'detach-stopped' : 'detach');
        } finally {
          closeSync(ctl);
        }
      } catch {
        // Dying: the next process still gets its bytes; the mount releases what its controller leaves.
      }
    }
  }

  override async close(): Promise<void> {
    for (const fd of this.handles.values()) closeQuietly(fd);
    this.handles.clear();
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    /* already gone */
  }
}

/** An errno number as the error Node's fs would give (what failure() reads). */
function errnoError(n: number): Error {
  return Object.assign(new Error(errnoName(n)), { code: errnoName(n) });
}

const WAIT = Buffer.from('wait');

/** `wait` as a word (surrounding blanks and a newline allowed, as the node takes it). */
function isWait(bytes: Uint8Array): boolean {
  let a = 0;
  let b = bytes.length;
  while (a < b && (bytes[a] === 0x20 || bytes[a] === 0x0a || bytes[a] === 0x09)) a++;
  while (b > a && (bytes[b - 1] === 0x20 || bytes[b - 1] === 0x0a || bytes[b - 1] === 0x09)) b--;
  return b - a === 4 && Buffer.from(bytes.buffer, bytes.byteOffset + a, 4).equals(WAIT);
}
