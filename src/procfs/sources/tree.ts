/**
 * A directory tree in the BSD layout (ROOT/PID/status, cmdline, map, file, …): a `pdbg snapshot`
 * or a real BSD /proc copied or mounted. Read-only: every write is EROFS, as on a read-only mount.
 */
import { closeSync, existsSync, lstatSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fromSystemError, ParseError, ProcfsError } from '../errors.js';
import { parseJailNode, type JailDetailSource } from '../jail.js';
import { splitCmdline, type ListWants, type ProcessDescriber, type ProcessInfo } from '../listing.js';
import type { NodeName } from '../node.js';
import type { NodeOptions, ProcFs } from '../source.js';
import { parseStatusBytes } from '../status.js';

/** What `pdbg snapshot` records about each jail beside the process directories. */
export const JAILS_FILE = 'jails.json';

export interface RecordedJail {
  jid: number | null;
  hostname: string;
  ips: string[];
  path: string | null;
}

function isPidName(name: string): boolean {
  const c = name.charCodeAt(0);
  return c >= 0x30 && c <= 0x39 && /^\d+$/.test(name);
}

export class TreeProcFs implements ProcFs, ProcessDescriber, JailDetailSource {
  readonly kind = 'tree' as const;
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
        if (statSync(join(root, n, 'status')).isFile()) return tree;
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

  private requireProcess(pid: number, node: string): void {
    try {
      statSync(`${this.root}/${pid}`);
    } catch {
      throw new ProcfsError('ESRCH', `no process ${pid}`, pid, node);
    }
  }

  /** A missing node of an existing process is ENOENT (a BSD tree has no `jail`); a missing process ESRCH. */
  private missing(err: unknown, pid: number, node: string): ProcfsError {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      this.requireProcess(pid, node);
      return new ProcfsError('ENOENT', `${pid}/${node}: not in this tree`, pid, node);
    }
    return fromSystemError(err, pid, node);
  }

  /** Reads a file into the shared buffer; the result is valid until the next call. */
  private readShared(path: string, pid: number, node: string, offset = 0, length = Infinity): number {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      throw this.missing(err, pid, node);
    }
    try {
      let len = 0;
      for (;;) {
        if (len === this.buf.length) {
          const bigger = Buffer.allocUnsafe(this.buf.length * 2);
          this.buf.copy(bigger);
          this.buf = bigger;
        }
        const want = Math.min(this.buf.length - len, length - len);
        const n = readSync(fd, this.buf, len, want, offset + len);
        // A short read of a regular file is its end: saves the read that would return 0.
        if (n < want || len + n >= length) return len + n;
        len += n;
      }
    } catch (err) {
      throw fromSystemError(err, pid, node);
    } finally {
      closeSync(fd);
    }
  }

  async read(pid: number, node: NodeName, opts: NodeOptions = {}): Promise<Buffer> {
    const path = this.path(pid, node, opts.tid);
    if (node === 'file') {
      // BSD's `file` is a symlink to the executable; pdbg snapshots keep it one.
      try {
        if (lstatSync(path).isSymbolicLink()) return Buffer.from(readlinkSync(path));
      } catch (err) {
        throw this.missing(err, pid, node);
      }
    }
    const len = this.readShared(path, pid, node, Number(opts.offset ?? 0n), opts.length ?? Infinity);
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

  async close(): Promise<void> {}

  /**
   * One synchronous pass: the status file, the jail node only for jids, cmdline only for args.
   * A BSD tree has no jail node: host processes are jid 0, jailed ones have no id (null).
   */
  async describe(pids: readonly number[], want: ListWants): Promise<ProcessInfo[]> {
    const out: ProcessInfo[] = [];
    for (const pid of pids) {
      let status;
      try {
        const len = this.readShared(`${this.root}/${pid}/status`, pid, 'status');
        status = parseStatusBytes(this.buf.subarray(0, len));
      } catch (err) {
        if (err instanceof ProcfsError && (err.code === 'ESRCH' || err.code === 'ENOENT')) continue;
        if (err instanceof ParseError) throw new ParseError(err.field, `${this.root}/${pid}/status: ${err.message}`, err.input);
        throw err;
      }
      // Host processes are jid 0 by their status line alone; only jailed ones need the node,
      // and existsSync first because a throwing open costs more than the read (BSD trees lack it).
      let jid: number | null = status.jail === null ? 0 : null;
      const jailPath = `${this.root}/${pid}/jail`;
      if (want.jid && jid === null && existsSync(jailPath)) {
        try {
          jid = parseJailNode(this.buf.toString('utf8', 0, this.readShared(jailPath, pid, 'jail'))).jid;
        } catch (err) {
          if (!(err instanceof ProcfsError) && !(err instanceof ParseError)) throw err;
        }
      }
      let args: string[] | null = null;
      if (want.args) {
        try {
          args = splitCmdline(this.buf.subarray(0, this.readShared(`${this.root}/${pid}/cmdline`, pid, 'cmdline')));
        } catch (err) {
          if (!(err instanceof ProcfsError)) throw err;
        }
      }
      out.push({ pid, status, jid, state: null, args });
    }
    return out;
  }

  jailDetails(jid: number | null, hostname: string, _firstPid: number): { ips: string[]; path: string | null } {
    if (this.jails === undefined) {
      try {
        this.jails = JSON.parse(readFileSync(join(this.root, JAILS_FILE), 'utf8')) as RecordedJail[];
      } catch {
        this.jails = [];
      }
    }
    const j = this.jails.find((r) => (jid !== null ? r.jid === jid : r.hostname === hostname));
    return { ips: j?.ips ?? [], path: j?.path ?? null };
  }
}
