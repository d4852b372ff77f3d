/**
 * A directory tree in the BSD layout (ROOT/PID/status, cmdline, map, file, …): a `pdbg snapshot`
 * or a real BSD /proc copied or mounted. Read-only: every write is EROFS, as on a read-only mount.
 */
import { closeSync, existsSync, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { fromSystemError, ParseError, ProcfsError } from '../errors.js';
import { displayText } from '../escape.js';
import { splitCmdline } from '../cmdline.js';
import { parseJailNode } from '../jail-node.js';
import { JAILS_FILE, parseRecordedJails, type RecordedJail } from '../recorded-jails.js';
import { NODE_TABLE, type NodeName } from '../node.js';
import type { EntryErrorHandler, ListWants, ProcessInfo } from '../process-info.js';
import { openThroughReads } from '../ranged-file.js';
import type { FileIdentity, JailDetails, OpenFileOptions, RangedFile, JailDetailSource, NodeOptions, ProcessDescriber, ProcFs, SourceCapabilities } from '../source.js';
import { parseStatusBytes } from '../status.js';
import { untrustedFlags } from '../untrusted-file.js';

/** The most pdbg reads of a whole node: the node table's caps (node.ts). */
const NODE_CAP: Readonly<Record<NodeName, number>> = Object.fromEntries(NODE_TABLE.map((n) => [n.name, n.cap])) as Record<NodeName, number>;

/** jails.json: a few hundred bytes per jail; 16 MiB is tens of thousands of jails. */
const JAILS_FILE_CAP = 16 << 20;

/** The untrusted-file rule's flags (no follow): a tree's nodes were its model. */
const OPEN_FLAGS = untrustedFlags(false);

function capText(n: number): string {
  return n >= 1 << 20 ? `${n / (1 << 20)} MiB` : `${n / 1024} KiB`;
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/** The one-line refusal of a node that is not a regular file, naming the file and what it is. */
function notRegular(path: string, st: Stats, pid: number | undefined, node: string): ProcfsError {
  const code = st.isDirectory() ? 'EISDIR' : st.isSymbolicLink() ? 'ELOOP' : 'EINVAL';
  return new ProcfsError(code, `${path}: ${kindOf(st)}, not a regular file; refused`, pid, node);
}

const REASONS: Record<string, string> = {
  ELOOP: 'too many levels of symbolic links',
  ENOTDIR: 'a component of the path is not a directory',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EAGAIN: 'would block; refused',
  EIO: 'input/output error',
};

/** A system error on a tree path as one line naming the file (Node's own message repeats the path and the syscall). */
function treeError(err: unknown, path: string, pid: number | undefined, node: string): ProcfsError {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === undefined) return fromSystemError(err, pid, node);
  return new ProcfsError(code, `${path}: ${REASONS[code] ?? code}`, pid, node);
}

/** A status node is one line: a newline anywhere but at the end would be a second record. */
function oneLine(buf: Buffer, len: number, path: string): void {
  const nl = buf.subarray(0, len).indexOf(0x0a);
  if (nl >= 0 && nl < len - 1) throw new ParseError('status', `${path}: more than one line (a status node is one line)`);
}

function isPidName(name: string): boolean {
  const c = name.charCodeAt(0);
  return c >= 0x30 && c <= 0x39 && /^\d+$/.test(name);
}

export class TreeProcFs implements ProcFs, ProcessDescriber, JailDetailSource {
  /** Not part of ProcFs (callers ask `capabilities`); ProcessSymbols.forProcess still reads it. */
  readonly kind = 'tree' as const;
  readonly capabilities: SourceCapabilities = { transport: 'per-op', describer: this, jailDetails: this };
  private buf = Buffer.allocUnsafe(64 * 1024);
  private jails: RecordedJail[] | undefined;

  constructor(readonly root: string) {}

  /** Throws a one-line ProcfsError unless `root` holds at least one PID/status. */
  static open(root: string): TreeProcFs {
    let names: string[];
    try {
      if (!statSync(root).isDirectory()) throw new ProcfsError('ENOTDIR', `${root}: not a directory`);
      names = readdirSync(root);
    } catch (err) {
      if (err instanceof ProcfsError) throw err;
      throw fromSystemError(err, undefined, root);
    }
    const tree = new TreeProcFs(root);
    for (const n of names) {
      if (!isPidName(n)) continue;
      try {
        // lstat: the check must not open a FIFO or follow a link that reading would refuse.
        if (lstatSync(join(root, n)).isDirectory() && lstatSync(join(root, n, 'status')).isFile()) return tree;
      } catch {
        /* keep looking */
      }
    }
    throw new ProcfsError('ENOENT', `${root}: not a proc tree (no PID/status inside)`);
  }

  async pids(): Promise<number[]> {
    try {
      return readdirSync(this.root).filter(isPidName).map(Number).sort((a, b) => a - b);
    } catch (err) {
      throw fromSystemError(err, undefined, this.root);
    }
  }

  async threads(pid: number): Promise<number[]> {
    this.refuseLinkedDirs(pid, 'task');
    try {
      return readdirSync(join(this.root, String(pid), 'task')).filter(isPidName).map(Number).sort((a, b) => a - b);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.requireProcess(pid, 'task');
        return [pid];
      }
      throw fromSystemError(err, pid, 'task');
    }
  }

  private path(pid: number, node: string, tid?: number): string {
    return tid === undefined || tid === pid ? `${this.root}/${pid}/${node}` : `${this.root}/${pid}/task/${tid}/${node}`;
  }

  /**
   * ROOT/PID (and ROOT/PID/task/TID for a thread's node) must be directories of the tree, not
   * symbolic links: O_NOFOLLOW guards only a node's last component, so `30 -> /proc/1` or
   * `30 -> ../../elsewhere` would have every node of "process 30" read from outside the tree.
   * Anything else (missing, a plain file) is left to the read, which says what it is.
   */
  private refuseLinkedDirs(pid: number, node: string, tid?: number): void {
    const dirs = [`${this.root}/${pid}`];
    if (tid !== undefined && tid !== pid) dirs.push(`${this.root}/${pid}/task`, `${this.root}/${pid}/task/${tid}`);
    for (const d of dirs) {
      let linked = false;
      try {
        linked = lstatSync(d).isSymbolicLink();
      } catch {
        return;
      }
      if (linked) throw new ProcfsError('ELOOP', `${d}: a symbolic link, not a process directory; refused`, pid, node);
    }
  }

  private requireProcess(pid: number, node: string): void {
    try {
      statSync(`${this.root}/${pid}`);
    } catch {
      throw new ProcfsError('ESRCH', `no process ${pid}`, pid, node);
    }
  }

  /** A missing node of an existing process is ENOENT (a BSD tree has no `jail`); a missing process ESRCH. */
  private missing(err: unknown, pid: number | undefined, node: string, path: string): ProcfsError {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      if (pid === undefined) return new ProcfsError('ENOENT', `${path}: not found`, pid, node);
      this.requireProcess(pid, node);
      return new ProcfsError('ENOENT', `${pid}/${node}: not in this tree`, pid, node);
    }
    return treeError(err, path, pid, node);
  }

  /**
   * Reads a node into the shared buffer; the result is valid until the next call. A tree is
   * somebody else's directory (a tarball from a jail, a copied /proc), so nothing in it is
   * trusted: the node must be a regular file, checked with lstat before it is opened (opening a
   * FIFO blocks, opening a device can act: a tape rewinds, a watchdog arms) and again with fstat
   * on the opened fd (it may have been swapped in between); it is opened O_NOFOLLOW|O_NONBLOCK
   * so a swap to a symlink or a FIFO fails instead of following or blocking; and a whole-node
   * read stops at `cap` (NODE_CAP for a node) instead of reading whatever size it claims.
   * Symbolic links are refused for every node but `file`, which read() handles: a pdbg snapshot
   * writes no others, and a BSD procfs has none.
   */
  private readShared(path: string, pid: number | undefined, node: string, cap: number, offset = 0, length = Infinity): number {
    let before: Stats;
    try {
      before = lstatSync(path);
    } catch (err) {
      throw this.missing(err, pid, node, path);
    }
    if (!before.isFile()) throw notRegular(path, before, pid, node);
    let fd: number;
    try {
      fd = openSync(path, OPEN_FLAGS);
    } catch (err) {
      throw this.missing(err, pid, node, path);
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile() || st.ino !== before.ino || st.dev !== before.dev) {
        throw new ProcfsError('EAGAIN', `${path}: changed while being opened; refused`, pid, node);
      }
      // One byte past the cap tells "exactly the cap" from "larger"; an explicit length is its own bound.
      const limit = length === Infinity ? cap + 1 : length;
      let len = 0;
      for (;;) {
        if (len === this.buf.length) {
          const bigger = Buffer.allocUnsafe(this.buf.length * 2);
          this.buf.copy(bigger);
          this.buf = bigger;
        }
        const want = Math.min(this.buf.length - len, limit - len);
        const n = readSync(fd, this.buf, len, want, offset + len);
        len += n;
        if (len > cap && length === Infinity) {
          throw new ProcfsError('EFBIG', `${path}: larger than ${capText(cap)}, too large for ${node === JAILS_FILE ? 'a jail list' : `a ${node} node`}; refused`, pid, node);
        }
        // A short read of a regular file is its end: saves the read that would return 0.
        if (n < want || len >= limit) return len;
      }
    } catch (err) {
      if (err instanceof ProcfsError) throw err;
      throw treeError(err, path, pid, node);
    } finally {
      closeSync(fd);
    }
  }

  async read(pid: number, node: NodeName, opts: NodeOptions = {}): Promise<Buffer> {
    this.refuseLinkedDirs(pid, node, opts.tid);
    const path = this.path(pid, node, opts.tid);
    if (node === 'file') {
      // BSD's `file` is a symlink to the executable; pdbg snapshots keep it one.
      try {
        if (lstatSync(path).isSymbolicLink()) return Buffer.from(readlinkSync(path));
      } catch (err) {
        throw this.missing(err, pid, node, path);
      }
    }
    const len = this.readShared(path, pid, node, NODE_CAP[node], Number(opts.offset ?? 0n), opts.length ?? Infinity);
    if (node === 'status') oneLine(this.buf, len, path);
    return Buffer.from(this.buf.subarray(0, len));
  }

  async readInto(pid: number, node: NodeName, into: Uint8Array, opts: NodeOptions = {}): Promise<number> {
    const data = await this.read(pid, node, { ...opts, length: Math.min(opts.length ?? into.length, into.length) });
    into.set(data);
    return data.length;
  }

  async write(pid: number, node: NodeName, _data: string | Uint8Array, _opts?: NodeOptions): Promise<number> {
    throw new ProcfsError('EROFS', `${pid}/${node}: ${this.root} is a read-only tree (snapshot), not a live process`, pid, node);
  }

  async readFile(pid: number, path: string): Promise<Buffer> {
    throw new ProcfsError('EOPNOTSUPP', `${pid}: ${path}: a tree (snapshot) holds the process directories, not the files they map`, pid);
  }

  async statFile(pid: number, path: string): Promise<FileIdentity> {
    throw new ProcfsError('EOPNOTSUPP', `${pid}: ${path}: a tree (snapshot) holds the process directories, not the files they map`, pid);
  }

  /** Through statFile and readFile, so a mounted tree (which has the files) serves it too. */
  openFile(pid: number, path: string, opts: OpenFileOptions = {}): Promise<RangedFile> {
    return openThroughReads(this, pid, path, opts);
  }

  async spawn(argv: readonly string[]): Promise<number> {
    throw new ProcfsError('EOPNOTSUPP', `cannot start ${argv[0] ?? 'a program'}: ${this.root} is a tree (snapshot), not a live system`);
  }

  async close(): Promise<void> {}

  /**
   * One synchronous pass: the status file, the jail node only for jids, cmdline only for args.
   * A BSD tree has no jail node: host processes are jid 0, jailed ones have no id (null).
   */
  async describe(pids: readonly number[], want: ListWants, onError?: EntryErrorHandler): Promise<ProcessInfo[]> {
    const out: ProcessInfo[] = [];
    for (const pid of pids) {
      let status;
      const statusPath = `${this.root}/${pid}/status`;
      try {
        this.refuseLinkedDirs(pid, 'status');
        const len = this.readShared(statusPath, pid, 'status', NODE_CAP.status);
        oneLine(this.buf, len, statusPath);
        status = parseStatusBytes(this.buf.subarray(0, len));
      } catch (err) {
        if (err instanceof ProcfsError && (err.code === 'ESRCH' || err.code === 'ENOENT')) continue;
        let bad = err;
        if (err instanceof ParseError && !err.message.startsWith(statusPath)) bad = new ParseError(err.field, `${statusPath}: ${err.message}`, err.input);
        if (onError && (bad instanceof ProcfsError || bad instanceof ParseError)) {
          onError(bad, pid);
          continue;
        }
        throw bad;
      }
      // Host processes are jid 0 by their status line alone; only jailed ones need the node,
      // and existsSync first because a throwing open costs more than the read (BSD trees lack it).
      let jid: number | null = status.jail === null ? 0 : null;
      const jailPath = `${this.root}/${pid}/jail`;
      if (want.jid && jid === null && existsSync(jailPath)) {
        try {
          jid = parseJailNode(this.buf.toString('utf8', 0, this.readShared(jailPath, pid, 'jail', NODE_CAP.jail))).jid;
        } catch (err) {
          if (!(err instanceof ProcfsError) && !(err instanceof ParseError)) throw err;
        }
      }
      let args: string[] | null = null;
      if (want.args) {
        try {
          args = splitCmdline(this.buf.subarray(0, this.readShared(`${this.root}/${pid}/cmdline`, pid, 'cmdline', NODE_CAP.cmdline)));
        } catch (err) {
          if (!(err instanceof ProcfsError)) throw err;
        }
      }
      out.push({ pid, status, jid, state: null, args });
    }
    return out;
  }

  /** jails.json, read once; absent = no details. Throws one line naming the file and what is wrong. */
  private recordedJails(): RecordedJail[] {
    if (this.jails !== undefined) return this.jails;
    const path = join(this.root, JAILS_FILE);
    let text: string;
    try {
      text = this.buf.toString('utf8', 0, this.readShared(path, undefined, JAILS_FILE, JAILS_FILE_CAP));
    } catch (err) {
      if (err instanceof ProcfsError && err.code === 'ENOENT') return (this.jails = []);
      throw err;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      // V8's message quotes the text around the error, which is the tree's bytes.
      throw new ParseError(JAILS_FILE, `${path}: not JSON (${displayText((err as Error).message)})`);
    }
    return (this.jails = parseRecordedJails(value, path));
  }

  jailDetails(jid: number | null, hostname: string, _firstPid: number): JailDetails {
    const j = this.recordedJails().find((r) => (jid !== null ? r.jid === jid : r.hostname === hostname));
    return { ips: j?.ips ?? [], path: j?.path ?? null };
  }
}
