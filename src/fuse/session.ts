/**
 * The FUSE request loop: requests come off /dev/fuse on the reader thread
 * (native/fuse-reader.ts), are decoded here on the JS thread and handed to the FuseFilesystem;
 * each answer is one writev(2) of a reply encoded into one reused buffer.
 *
 * The JS thread never blocks: it waits for the next request slot with Atomics.waitAsync, and
 * it copies out of the slot what a request needs (a name, a WRITE's bytes) before giving the
 * slot back, so the file system's promises run concurrently — a WRITE to `ctl` that waits for
 * a stop holds nothing but its own promise, and a READ of another file is served meanwhile.
 *
 * INIT: protocol 7.x with x ≤ 38 (the structs of abi.ts). Flags asked for:
 * - ASYNC_READ: the kernel may send several READs of one file at once (we serve them all at once);
 * - BIG_WRITES and MAX_PAGES with max_write 128 KiB: one WRITE per 128 KiB instead of per page;
 * - PARALLEL_DIROPS: lookups in one directory are not serialised by the kernel.
 * Not asked: ATOMIC_O_TRUNC (the file system expects the shell's `>` as SETATTR size 0, see
 * filesystem.ts), DO_READDIRPLUS (each entry would count as a lookup the file system must be
 * told of; with zero TTLs `ls -l` looks each name up anyway), WRITEBACK_CACHE (nodes are
 * direct I/O). max_readahead is the kernel's own.
 */
import * as fuse from '../../native/fuse.js';
import { SLOT_END, SLOT_FREE, startFuseReader, type FuseReader } from '../../native/fuse-reader.js';
import * as abi from './abi.js';
import type { FuseDirEntry, FuseFilesystem } from './filesystem.js';
import type { FuseMount } from './mount.js';
import { FuseRequest, uniqueKey } from './request.js';

const MAX_WRITE = 128 * 1024;
/** The kernel refuses a read buffer smaller than max_write + the WRITE headers. */
const SLOT_SIZE = MAX_WRITE + 4096;
/** Requests the reader may have read ahead while the JS thread is busy. */
const SLOTS = 8;
/** Node 20 has Atomics.waitAsync (V8); TypeScript's ES2022 lib does not declare it. */
type WaitAsync = (a: Int32Array, i: number, v: number) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;
const INIT_FLAGS = abi.INIT_ASYNC_READ | abi.INIT_BIG_WRITES | abi.INIT_PARALLEL_DIROPS | abi.INIT_MAX_PAGES;

export interface SessionOptions {
  readonly log?: (line: string) => void;
}

export class FuseSession {
  /** Resolves when the kernel ended the session (unmounted: the fd read gives ENODEV) or stop() was called. */
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private readonly reader: FuseReader;
  private readonly inflight = new Map<number, FuseRequest>();
  private readonly dirs = new Map<bigint, Promise<readonly FuseDirEntry[]>>();
  private readonly counts = new Map<number, number>();
  /** Every reply's header and fixed-size body are encoded here, then written at once. */
  private readonly out = Buffer.alloc(abi.OUT_HEADER + 256);
  private dirBuf = Buffer.alloc(4096);
  private readonly log: (line: string) => void;
  private readonly startMs = Date.now();
  private stopping = false;
  /** No reply is written once set: the fd is about to be (or is) closed. */
  private closed = false;
  private finishing: Promise<void> | undefined;
  private destroyed = false;

  private constructor(
    private readonly mount: FuseMount,
    private readonly fs: FuseFilesystem,
    opts: SessionOptions,
  ) {
    this.log = opts.log ?? (() => undefined);
    this.done = new Promise((r) => (this.resolveDone = r));
    this.reader = startFuseReader(mount.fd, SLOTS, SLOT_SIZE);
  }

  static start(mount: FuseMount, fs: FuseFilesystem, opts: SessionOptions = {}): FuseSession {
    const s = new FuseSession(mount, fs, opts);
    void s.loop();
    return s;
  }

  /** Unmounts and ends the loop; answers nothing more; idempotent. */
  stop(): Promise<void> {
    this.stopping = true;
    return this.finish();
  }

  /** Counters for the bench: requests served by opcode. */
  stats(): Readonly<Record<string, number>> {
    const o: Record<string, number> = {};
    for (const [op, n] of this.counts) o[abi.opName(op)] = n;
    return o;
  }

  private async loop(): Promise<void> {
    const { words, bytes, slots, slotSize } = this.reader;
    let i = 0;
    for (;;) {
      let s = Atomics.load(words, i);
      if (s === SLOT_FREE && !this.stopping) {
        const w = waitAsync(words, i, SLOT_FREE);
        if (w.async) await w.value;
        s = Atomics.load(words, i);
      }
      if (this.stopping) break;
      if (s === SLOT_END) {
        const errno = words[slots + i]!;
        if (errno !== 19) this.log(`fuse: reading /dev/fuse failed: errno ${errno}`); // 19: ENODEV, unmounted
        break;
      }
      if (s === SLOT_FREE) continue;
      try {
        this.dispatch(bytes, i * slotSize, words[slots + i]!);
      } catch (e) {
        this.log(`fuse: request dropped: ${(e as Error).message}`);
      }
      Atomics.store(words, i, SLOT_FREE);
      Atomics.notify(words, i);
      i = (i + 1) % slots;
    }
    await this.finish();
  }

  private finish(): Promise<void> {
    this.finishing ??= (async () => {
      this.closed = true;
      await this.reader.stop();
      await this.mount.unmount();
      // Nothing will answer these now (the kernel has failed them with ENOTCONN): let their
      // work stop too.
      for (const r of this.inflight.values()) r.interrupt();
      this.inflight.clear();
      await this.destroyFs();
      this.resolveDone();
    })();
    return this.finishing;
  }

  private async destroyFs(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    try {
      await this.fs.destroy();
    } catch (e) {
      this.log(`fuse: destroy failed: ${(e as Error).message}`);
    }
  }

  // ---- decoding ------------------------------------------------------------------------

  private dispatch(b: Buffer, base: number, len: number): void {
    const op = b.readUInt32LE(base + abi.InHeader.opcode);
    this.counts.set(op, (this.counts.get(op) ?? 0) + 1);
    const nodeid = b.readBigUInt64LE(base + abi.InHeader.nodeid);
    const req = new FuseRequest(
      b.readUInt32LE(base + abi.InHeader.uid),
      b.readUInt32LE(base + abi.InHeader.gid),
      b.readUInt32LE(base + abi.InHeader.pid),
      b.readUInt32LE(base + abi.InHeader.unique),
      b.readUInt32LE(base + abi.InHeader.unique + 4),
    );
    const p = base + abi.IN_HEADER;
    const fs = this.fs;
    switch (op) {
      case abi.Op.INIT:
        return this.init(req, b, p);
      case abi.Op.DESTROY:
        this.replyEmpty(req);
        this.stopping = true;
        return;
      case abi.Op.FORGET:
        fs.forget(nodeid, b.readBigUInt64LE(p + abi.ForgetIn.nlookup));
        return;
      case abi.Op.BATCH_FORGET: {
        const n = b.readUInt32LE(p + abi.BatchForgetIn.count);
        for (let k = 0, q = p + abi.BatchForgetIn.first; k < n && q + 16 <= base + len; k++, q += abi.BatchForgetIn.oneSize) {
          fs.forget(b.readBigUInt64LE(q), b.readBigUInt64LE(q + 8));
        }
        return;
      }
      case abi.Op.INTERRUPT: {
        const target = this.inflight.get(uniqueKey(b.readUInt32LE(p), b.readUInt32LE(p + 4)));
        // fuse(4): an INTERRUPT for a request we do not know (already answered) gets EAGAIN,
        // and the kernel drops it or sends it again while the request is still pending.
        if (target) target.interrupt();
        else this.replyError(req, abi.EAGAIN);
        return;
      }
      case abi.Op.LOOKUP: {
        const end = b.indexOf(0, p);
        const name = b.toString('utf8', p, end < 0 || end > base + len ? base + len : end);
        return this.serve(req, () => fs.lookup(req, nodeid, name), (e) => {
          abi.encodeEntryOut(this.out, abi.OUT_HEADER, e.attr, e.entryTtl, e.attrTtl, this.startMs);
          this.replyOut(req, abi.ENTRY_OUT);
        });
      }
      case abi.Op.GETATTR:
        return this.serve(req, () => fs.getattr(req, nodeid), (a) => {
          abi.encodeAttrOut(this.out, abi.OUT_HEADER, a, 0, this.startMs);
          this.replyOut(req, abi.ATTR_OUT);
        });
      case abi.Op.SETATTR: {
        const valid = b.readUInt32LE(p + abi.SetattrIn.valid);
        if (valid & (abi.FATTR_UID | abi.FATTR_GID)) return this.replyError(req, abi.EPERM);
        const set = {
          ...(valid & abi.FATTR_SIZE ? { size: b.readBigUInt64LE(p + abi.SetattrIn.size) } : {}),
          ...(valid & abi.FATTR_MODE ? { mode: b.readUInt32LE(p + abi.SetattrIn.mode) & 0o7777 } : {}),
        };
        return this.serve(req, () => fs.setattr(req, nodeid, set), (a) => {
          abi.encodeAttrOut(this.out, abi.OUT_HEADER, a, 0, this.startMs);
          this.replyOut(req, abi.ATTR_OUT);
        });
      }
      case abi.Op.READLINK:
        return this.serve(req, () => fs.readlink(req, nodeid), (data) => this.replyData(req, data, data.length));
      case abi.Op.OPEN: {
        const flags = b.readUInt32LE(p + abi.OpenIn.flags);
        return this.serve(req, () => fs.open(req, nodeid, flags), (o) => {
          abi.encodeOpenOut(this.out, abi.OUT_HEADER, o.fh, o.directIo ? abi.FOPEN_DIRECT_IO : 0);
          this.replyOut(req, abi.OPEN_OUT);
        });
      }
      case abi.Op.READ: {
        const fh = b.readBigUInt64LE(p + abi.ReadIn.fh);
        const offset = b.readBigUInt64LE(p + abi.ReadIn.offset);
        const size = b.readUInt32LE(p + abi.ReadIn.size);
        return this.serve(req, () => fs.read(req, nodeid, fh, offset, size), (data) => this.replyData(req, data, Math.min(size, data.length)));
      }
      case abi.Op.WRITE: {
        const fh = b.readBigUInt64LE(p + abi.WriteIn.fh);
        const offset = b.readBigUInt64LE(p + abi.WriteIn.offset);
        const size = b.readUInt32LE(p + abi.WriteIn.size);
        // A copy: the slot is reused as soon as this returns, the write may take its time.
        const data = Buffer.allocUnsafe(size);
        b.copy(data, 0, p + abi.WRITE_IN, p + abi.WRITE_IN + size);
        return this.serve(req, () => fs.write(req, nodeid, fh, offset, data), (n) => {
          abi.encodeWriteOut(this.out, abi.OUT_HEADER, n);
          this.replyOut(req, abi.WRITE_OUT);
        });
      }
      case abi.Op.FLUSH: {
        const fh = b.readBigUInt64LE(p + abi.FlushIn.fh);
        return this.serve(req, () => fs.flush(req, nodeid, fh), () => this.replyEmpty(req));
      }
      case abi.Op.RELEASE: {
        const fh = b.readBigUInt64LE(p + abi.ReleaseIn.fh);
        return this.serve(req, () => fs.release(req, nodeid, fh), () => this.replyEmpty(req));
      }
      case abi.Op.OPENDIR:
        return this.serve(req, () => fs.opendir(req, nodeid), (o) => {
          abi.encodeOpenOut(this.out, abi.OUT_HEADER, o.fh, 0);
          this.replyOut(req, abi.OPEN_OUT);
        });
      case abi.Op.READDIR: {
        const fh = b.readBigUInt64LE(p + abi.ReadIn.fh);
        const offset = Number(b.readBigUInt64LE(p + abi.ReadIn.offset));
        const size = b.readUInt32LE(p + abi.ReadIn.size);
        return this.serve(req, () => this.entries(req, nodeid, fh), (entries) => {
          if (this.dirBuf.length < size) this.dirBuf = Buffer.alloc(size);
          const used = abi.packDirents(this.dirBuf, entries, offset, size);
          this.replyData(req, this.dirBuf, used);
        });
      }
      case abi.Op.RELEASEDIR: {
        const fh = b.readBigUInt64LE(p + abi.ReleaseIn.fh);
        this.dirs.delete(fh);
        return this.serve(req, () => fs.releasedir(req, nodeid, fh), () => this.replyEmpty(req));
      }
      case abi.Op.STATFS:
        return this.serve(req, () => fs.statfs(req), (s) => {
          abi.encodeStatfs(this.out, abi.OUT_HEADER, s);
          this.replyOut(req, abi.STATFS_OUT);
        });
      case abi.Op.ACCESS: {
        const mask = b.readUInt32LE(p + abi.AccessIn.mask);
        return this.serve(req, () => fs.access(req, nodeid, mask), () => this.replyEmpty(req));
      }
      default:
        return this.replyError(req, abi.ENOSYS);
    }
  }

  /** The directory's entries, asked of the file system once per OPENDIR handle. */
  private entries(req: FuseRequest, ino: bigint, fh: bigint): Promise<readonly FuseDirEntry[]> {
    let e = this.dirs.get(fh);
    if (!e) {
      e = this.fs.readdir(req, ino, fh);
      this.dirs.set(fh, e);
      // A failed listing is not cached: the next READDIR asks again.
      e.catch(() => this.dirs.delete(fh));
    }
    return e;
  }

  private init(req: FuseRequest, b: Buffer, p: number): void {
    const major = b.readUInt32LE(p + abi.InitIn.major);
    const minor = b.readUInt32LE(p + abi.InitIn.minor);
    if (major < abi.KERNEL_MAJOR) {
      this.log(`fuse: kernel protocol ${major}.${minor} is too old`);
      return this.replyError(req, abi.EPROTO);
    }
    const zero = { minor: 0, maxReadahead: 0, flags: 0, maxBackground: 0, congestionThreshold: 0, maxWrite: 0, timeGran: 0, maxPages: 0 };
    if (major > abi.KERNEL_MAJOR) {
      // fuse(4): answer with our major alone; the kernel sends an INIT it can speak to us.
      abi.encodeInitOut(this.out, abi.OUT_HEADER, { major: abi.KERNEL_MAJOR, ...zero });
      return this.replyOut(req, abi.INIT_OUT);
    }
    abi.encodeInitOut(this.out, abi.OUT_HEADER, {
      major: abi.KERNEL_MAJOR,
      minor: Math.min(minor, abi.KERNEL_MINOR),
      maxReadahead: b.readUInt32LE(p + abi.InitIn.maxReadahead),
      flags: b.readUInt32LE(p + abi.InitIn.flags) & INIT_FLAGS,
      maxBackground: 16,
      congestionThreshold: 12,
      maxWrite: MAX_WRITE,
      timeGran: 1,
      maxPages: MAX_WRITE / 4096,
    });
    this.replyOut(req, abi.INIT_OUT);
  }

  // ---- answering -----------------------------------------------------------------------

  /**
   * Runs one request's work and answers it: `ok` encodes the success; a rejection is its
   * errno, or EINTR when the request was interrupted (whatever the file system threw then).
   */
  private serve<T>(req: FuseRequest, work: () => Promise<T>, ok: (v: T) => void): void {
    const key = req.key;
    this.inflight.set(key, req);
    let p: Promise<T>;
    try {
      p = work();
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      (v) => {
        this.inflight.delete(key);
        if (this.closed) return;
        try {
          ok(v);
        } catch (e) {
          this.log(`fuse: bad answer from the file system: ${(e as Error).message}`);
          this.replyError(req, abi.EIO);
        }
      },
      (e: unknown) => {
        this.inflight.delete(key);
        if (this.closed) return;
        const errno = req.interrupted ? abi.EINTR : abi.errnoOf(e);
        if (errno === abi.EIO && !req.interrupted && (e as { code?: unknown } | null)?.code !== 'EIO') {
          this.log(`fuse: file system error (EIO to the caller): ${(e as Error)?.message ?? String(e)}`);
        }
        this.replyError(req, errno);
      },
    );
  }

  /** The header plus `bodyLen` bytes already encoded after it in `out`. */
  private replyOut(req: FuseRequest, bodyLen: number): void {
    abi.encodeOutHeader(this.out, abi.OUT_HEADER + bodyLen, 0, req.uniqueLo, req.uniqueHi);
    this.write(req, abi.OUT_HEADER + bodyLen);
  }

  private replyEmpty(req: FuseRequest): void {
    this.replyOut(req, 0);
  }

  private replyError(req: FuseRequest, errno: number): void {
    abi.encodeOutHeader(this.out, abi.OUT_HEADER, errno, req.uniqueLo, req.uniqueHi);
    this.write(req, abi.OUT_HEADER);
  }

  private replyData(req: FuseRequest, data: Uint8Array, n: number): void {
    abi.encodeOutHeader(this.out, abi.OUT_HEADER + n, 0, req.uniqueLo, req.uniqueHi);
    this.write(req, abi.OUT_HEADER, data, n);
  }

  private write(req: FuseRequest, headLen: number, data?: Uint8Array, n = 0): void {
    if (this.closed) return;
    const e = fuse.writeReply(this.mount.fd, this.out, headLen, data, n);
    // ENOENT: the request is gone (interrupted and given up, or aborted); nothing to do.
    if (e !== 0 && e !== 2) this.log(`fuse: reply to request ${req.key} failed: errno ${e}`);
  }
}
