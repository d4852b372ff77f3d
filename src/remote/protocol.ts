/**
 * The wire format between a RemoteProcFs (the client) and `pdbg serve --stdio` (the agent).
 *
 * Every message is one frame:
 *
 *     u32 LE  length of what follows (header + payload), at most MAX_FRAME
 *     u32 LE  request id (a reply carries the id of its request)
 *     u8      kind (Kind below)
 *     u8      flags (FLAG_CHAINED)
 *     …       payload, by kind
 *
 * Payload fields, in order, with these encodings (all little-endian):
 *   u8, u32, u64 (bigints: offsets, addresses, FileIdentity fields, exact), str (u32 byte length
 *   + UTF-8), bytes (u32 length + raw), opt (u8 0/1, then the field if 1), node (u8 index into
 *   NODE_NAMES).
 *
 *   HELLO     req: bytes "PDBG", u32 version            ok: u32 version, str agent description
 *   PIDS      req: —                                     ok: u32 n, n × u32
 *   THREADS   req: u32 pid                               ok: u32 n, n × u32
 *   READ      req: u32 pid, node, opt u32 tid, opt u64 offset, opt u32 length
 *                                                       ok: bytes
 *             (readInto travels as a READ with the caller's buffer length; the client copies.)
 *   WRITE     req: u32 pid, node, opt u32 tid, opt u64 offset, u8 text?, bytes data
 *                                                       ok: u32 count
 *   READFILE  req: u32 pid, str path, fileref, opt u64 offset, opt u32 length
 *                                                       ok: bytes
 *   STATFILE  req: u32 pid, str path, fileref           ok: u64 dev, u64 ino, u64 size, u64 mtimeNs
 *   SPAWN     req: u32 argc, argc × str, 3 × opt str (stdin, stdout, stderr), opt str cwd,
 *                  opt (u32 n, n × (str key, str value)) env
 *                                                       ok: u32 pid
 *   CLOSE     req: —                                     ok: —  (then the agent ends its stream)
 *   DESCRIBE  a listing in one round trip (describe-codec.ts has its layout)
 *   OK        a successful reply; payload as above
 *   ERR       a failed reply: str code (an errno name), str message, opt u32 pid, opt str node
 *
 *   fileref = u8 root (0 unset, 1 target, 2 host), opt (u64 start, u64 end, u64 inode) mapping,
 *             opt (u32 uid, u32 gid, u32 n, n × u32 group) as (read with these credentials)
 *
 * FLAG_CHAINED on a request: run it only if the request before it on this connection
 * succeeded; otherwise it fails with that request's error. A batch (step, wait, why, regs) is
 * sent as one burst of chained frames and costs one round trip.
 *
 * The first exchange is HELLO (id 0); a version mismatch ends the session. A frame over
 * MAX_FRAME, a kind out of place or a payload that does not parse ends the session with one
 * ProtocolError line on both sides: the agent prints it and sends it as an ERR with id 0
 * (SESSION_ID) before it closes its stream.
 */
import { ProcfsError } from '../procfs/errors.js';
import { NODE_NAMES, type NodeName } from '../procfs/node.js';
import type { ListWants } from '../procfs/process-info.js';
import { getDescribeReply, getDescribeRequest, putDescribeReply, putDescribeRequest, type DescribeEntry } from './describe-codec.js';
import type { FileCaller, FileIdentity, FileRef, NodeOptions, SpawnOptions, StepLoopRequest, StepLoopResult } from '../procfs/source.js';

/** Bumped on any incompatible change of the format above. */
export const PROTOCOL_VERSION = 2;
/** The largest frame either side accepts (a whole ELF file read is the big case). */
export const MAX_FRAME = 64 * 1024 * 1024;
const MAGIC = Buffer.from('PDBG', 'latin1');
const HEADER = 6;

/** Message kinds: requests below 0x80, replies above. */
export const Kind = {
  HELLO: 0x01,
  PIDS: 0x02,
  THREADS: 0x03,
  READ: 0x04,
  WRITE: 0x05,
  READFILE: 0x06,
  STATFILE: 0x07,
  SPAWN: 0x08,
  CLOSE: 0x09,
  STEPLOOP: 0x0a,
  DESCRIBE: 0x0b,
  OK: 0x80,
  ERR: 0x81,
} as const;
export type KindCode = (typeof Kind)[keyof typeof Kind];

export const FLAG_CHAINED = 0x01;
/**
 * The hello's id, never used by a request after it: an ERR with this id after the hello is the
 * agent ending the session (a protocol error, a signal), its message the one line to show.
 */
export const SESSION_ID = 0;

/** The stream broke the protocol: the session ends with this one line. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

/** One decoded frame, its payload still undecoded. */
export interface Frame {
  readonly id: number;
  readonly kind: number;
  readonly flags: number;
  readonly payload: Buffer;
}

/** A request, decoded: one variant per ProcFs operation. */
export type Request =
  | { readonly kind: typeof Kind.HELLO; readonly version: number }
  | { readonly kind: typeof Kind.PIDS }
  | { readonly kind: typeof Kind.THREADS; readonly pid: number }
  | { readonly kind: typeof Kind.READ; readonly pid: number; readonly node: NodeName; readonly opts: NodeOptions }
  | { readonly kind: typeof Kind.WRITE; readonly pid: number; readonly node: NodeName; readonly opts: NodeOptions; readonly data: string | Buffer }
  | { readonly kind: typeof Kind.READFILE; readonly pid: number; readonly path: string; readonly opts: FileRef & { offset?: number; length?: number } }
  | { readonly kind: typeof Kind.STATFILE; readonly pid: number; readonly path: string; readonly ref: FileRef }
  | { readonly kind: typeof Kind.SPAWN; readonly argv: readonly string[]; readonly opts: SpawnOptions }
  | { readonly kind: typeof Kind.CLOSE }
  | { readonly kind: typeof Kind.STEPLOOP; readonly pid: number; readonly req: StepLoopRequest }
  | { readonly kind: typeof Kind.DESCRIBE; readonly pids: readonly number[]; readonly want: ListWants };

// ---- encoding -------------------------------------------------------------------------------

/** Builds one frame's payload; `frame()` prefixes length and header. */
export class Encoder {
  private parts: Buffer[] = [];

  u8(v: number): this {
    this.parts.push(Buffer.of(v & 0xff));
    return this;
  }

  u32(v: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32LE(v >>> 0);
    this.parts.push(b);
    return this;
  }

  u64(v: bigint | number): this {
    const b = Buffer.allocUnsafe(8);
    b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v)));
    this.parts.push(b);
    return this;
  }

  bytes(v: Uint8Array): this {
    this.u32(v.length);
    this.parts.push(Buffer.from(v.buffer, v.byteOffset, v.length));
    return this;
  }

  str(v: string): this {
    return this.bytes(Buffer.from(v, 'utf8'));
  }

  opt<T>(v: T | undefined, put: (v: T) => void): this {
    if (v === undefined) return this.u8(0);
    this.u8(1);
    put(v);
    return this;
  }

  /** The whole frame: length, id, kind, flags, payload. */
  frame(id: number, kind: number, flags = 0): Buffer {
    const parts = this.pieces(id, kind, flags);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /**
   * The frame as pieces to be written in order, small fields joined and big byte fields left
   * as they are: a 60 MiB mem reply is not copied once more (on a slow VM the copy of one took
   * 0.7 s, and as much memory again as the reply).
   */
  pieces(id: number, kind: number, flags = 0): Buffer[] {
    const body = this.parts.reduce((n, p) => n + p.length, 0);
    const head = Buffer.allocUnsafe(4 + HEADER);
    head.writeUInt32LE(HEADER + body, 0);
    head.writeUInt32LE(id >>> 0, 4);
    head[8] = kind;
    head[9] = flags;
    const out: Buffer[] = [];
    let run: Buffer[] = [head];
    for (const p of this.parts) {
      if (p.length < BIG_PIECE) {
        run.push(p);
        continue;
      }
      if (run.length > 0) out.push(Buffer.concat(run));
      out.push(p);
      run = [];
    }
    if (run.length > 0) out.push(Buffer.concat(run));
    return out;
  }
}

const BIG_PIECE = 64 * 1024;

/** Reads a payload; any overrun is a ProtocolError (a truncated or lying frame). */
export class Decoder {
  private at = 0;
  constructor(private readonly buf: Buffer, private readonly what: string) {}

  private need(n: number): number {
    if (this.at + n > this.buf.length) throw new ProtocolError(`malformed ${this.what} message: truncated`);
    const at = this.at;
    this.at += n;
    return at;
  }

  u8(): number {
    return this.buf[this.need(1)]!;
  }

  u32(): number {
    return this.buf.readUInt32LE(this.need(4));
  }

  u64(): bigint {
    return this.buf.readBigUInt64LE(this.need(8));
  }

  bytes(): Buffer {
    const n = this.u32();
    const at = this.need(n);
    return this.buf.subarray(at, at + n);
  }

  str(): string {
    return this.bytes().toString('utf8');
  }

  opt<T>(get: () => T): T | undefined {
    const p = this.u8();
    if (p === 0) return undefined;
    if (p !== 1) throw new ProtocolError(`malformed ${this.what} message: bad presence byte ${p}`);
    return get();
  }

  node(): NodeName {
    const i = this.u8();
    const name = NODE_NAMES[i];
    if (name === undefined) throw new ProtocolError(`malformed ${this.what} message: unknown node ${i}`);
    return name;
  }

  /** A u64 that must fit a JS number (file offsets and sizes). */
  safe(): number {
    const v = this.u64();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProtocolError(`malformed ${this.what} message: number out of range`);
    return Number(v);
  }

  /** A payload that decodes but makes no sense (describe-codec.ts): the session ends. */
  fail(message: string): never {
    throw new ProtocolError(`malformed ${this.what} message: ${message}`);
  }

  end(): void {
    if (this.at !== this.buf.length) throw new ProtocolError(`malformed ${this.what} message: ${this.buf.length - this.at} trailing bytes`);
  }
}

// ---- framing --------------------------------------------------------------------------------

/**
 * Cuts a byte stream into frames. Chunks are kept in a list and joined only when a frame is
 * complete, so a 64 MiB reply arriving in 64 KiB chunks is copied once, not quadratically.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private have = 0;

  /** Feeds a chunk; returns the frames it completed. Throws ProtocolError on a bad length. */
  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.have += chunk.length;
    const out: Frame[] = [];
    for (;;) {
      if (this.have < 4) break;
      const len = this.peekLength();
      if (len < HEADER) throw new ProtocolError(`malformed frame: length ${len}`);
      if (len > MAX_FRAME) throw new ProtocolError(`frame of ${len} bytes exceeds the ${MAX_FRAME}-byte limit`);
      if (this.have < 4 + len) break;
      const buf = this.take(4 + len);
      out.push({ id: buf.readUInt32LE(4), kind: buf[8]!, flags: buf[9]!, payload: buf.subarray(4 + HEADER) });
    }
    return out;
  }

  /** Bytes received but not yet a whole frame (a stream that ends here ended mid-frame). */
  get pending(): number {
    return this.have;
  }

  private peekLength(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readUInt32LE(0);
    const head = Buffer.concat(this.chunks, Math.min(this.have, 8));
    return head.readUInt32LE(0);
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.have);
    const frame = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.have = rest.length;
    return frame;
  }
}

// ---- requests ---------------------------------------------------------------------------------

function nodeIndex(node: NodeName): number {
  const i = NODE_NAMES.indexOf(node);
  if (i < 0) throw new ProcfsError('EINVAL', `no node named ${String(node)}`);
  return i;
}

function putNodeOpts(e: Encoder, o: NodeOptions): void {
  e.opt(o.tid, (v) => e.u32(v)).opt(o.offset, (v) => e.u64(v)).opt(o.length, (v) => e.u32(v));
}

function getNodeOpts(d: Decoder): NodeOptions {
  const o: { tid?: number; offset?: bigint; length?: number } = {};
  const tid = d.opt(() => d.u32());
  const offset = d.opt(() => d.u64());
  const length = d.opt(() => d.u32());
  if (tid !== undefined) o.tid = tid;
  if (offset !== undefined) o.offset = offset;
  if (length !== undefined) o.length = length;
  return o;
}

/** Supplementary groups one file reference may carry (Linux's NGROUPS_MAX). */
const MAX_GROUPS = 65536;

function putFileRef(e: Encoder, r: FileRef): void {
  e.u8(r.root === 'target' ? 1 : r.root === 'host' ? 2 : 0);
  e.opt(r.mapping, (m) => e.u64(m.start).u64(m.end).u64(m.inode));
  // The caller the mount reads for: the agent opens the file with these ids (FileRef.as).
  e.opt(r.as, (c) => {
    e.u32(c.uid).u32(c.gid).u32(c.groups.length);
    for (const g of c.groups) e.u32(g);
  });
}

function getFileRef(d: Decoder): { root?: 'target' | 'host'; mapping?: { start: bigint; end: bigint; inode: number }; as?: FileCaller } {
  const r: { root?: 'target' | 'host'; mapping?: { start: bigint; end: bigint; inode: number }; as?: FileCaller } = {};
  const root = d.u8();
  if (root > 2) throw new ProtocolError('malformed file reference: bad root');
  if (root === 1) r.root = 'target';
  if (root === 2) r.root = 'host';
  const m = d.opt(() => ({ start: d.u64(), end: d.u64(), inode: d.safe() }));
  if (m) r.mapping = m;
  const as = d.opt(() => {
    const uid = d.u32();
    const gid = d.u32();
    const n = d.u32();
    if (n > MAX_GROUPS) throw new ProtocolError('malformed file reference: too many groups');
    const groups: number[] = [];
    for (let i = 0; i < n; i++) groups.push(d.u32());
    return { uid, gid, groups };
  });
  if (as) r.as = as;
  return r;
}

/** The request frame for `req` with id `id`. */
export function encodeRequest(id: number, req: Request, flags = 0): Buffer {
  const e = new Encoder();
  switch (req.kind) {
    case Kind.HELLO:
      e.bytes(MAGIC).u32(req.version);
      break;
    case Kind.PIDS:
    case Kind.CLOSE:
      break;
    case Kind.THREADS:
      e.u32(req.pid);
      break;
    case Kind.READ:
      e.u32(req.pid).u8(nodeIndex(req.node));
      putNodeOpts(e, req.opts);
      break;
    case Kind.WRITE:
      e.u32(req.pid).u8(nodeIndex(req.node));
      putNodeOpts(e, req.opts);
      e.u8(typeof req.data === 'string' ? 1 : 0).bytes(typeof req.data === 'string' ? Buffer.from(req.data, 'utf8') : req.data);
      break;
    case Kind.READFILE:
      e.u32(req.pid).str(req.path);
      putFileRef(e, req.opts);
      e.opt(req.opts.offset, (v) => e.u64(v)).opt(req.opts.length, (v) => e.u32(v));
      break;
    case Kind.STATFILE:
      e.u32(req.pid).str(req.path);
      putFileRef(e, req.ref);
      break;
    case Kind.STEPLOOP:
      e.u32(req.pid).opt(req.req.tid, (v) => e.u32(v)).u32(req.req.count).u32(req.req.stopAt.length);
      for (const a of req.req.stopAt) e.u64(a);
      break;
    case Kind.DESCRIBE:
      putDescribeRequest(e, req.pids, req.want);
      break;
    case Kind.SPAWN: {
      e.u32(req.argv.length);
      for (const a of req.argv) e.str(a);
      const o = req.opts;
      for (const s of [o.stdin, o.stdout, o.stderr]) e.opt(s, (v) => e.str(v));
      e.opt(o.cwd, (v) => e.str(v));
      e.opt(o.env, (env) => {
        const entries = Object.entries(env);
        e.u32(entries.length);
        for (const [k, v] of entries) e.str(k).str(v);
      });
      break;
    }
  }
  return e.frame(id, req.kind, flags);
}

const MAX_LIST = 1 << 20;

/** Decodes a request frame; ProtocolError for an unknown kind or a malformed payload. */
export function decodeRequest(f: Frame): Request {
  const d = new Decoder(f.payload, kindName(f.kind));
  let req: Request;
  switch (f.kind) {
    case Kind.HELLO: {
      const magic = d.bytes();
      if (!magic.equals(MAGIC)) throw new ProtocolError('not a pdbg client (bad hello)');
      req = { kind: Kind.HELLO, version: d.u32() };
      break;
    }
    case Kind.PIDS:
      req = { kind: Kind.PIDS };
      break;
    case Kind.CLOSE:
      req = { kind: Kind.CLOSE };
      break;
    case Kind.THREADS:
      req = { kind: Kind.THREADS, pid: d.u32() };
      break;
    case Kind.READ:
      req = { kind: Kind.READ, pid: d.u32(), node: d.node(), opts: getNodeOpts(d) };
      break;
    case Kind.WRITE: {
      const pid = d.u32();
      const node = d.node();
      const opts = getNodeOpts(d);
      const text = d.u8();
      const raw = d.bytes();
      req = { kind: Kind.WRITE, pid, node, opts, data: text ? raw.toString('utf8') : Buffer.from(raw) };
      break;
    }
    case Kind.READFILE: {
      const pid = d.u32();
      const path = d.str();
      const opts: FileRef & { offset?: number; length?: number } = getFileRef(d);
      const offset = d.opt(() => d.safe());
      const length = d.opt(() => d.u32());
      req = { kind: Kind.READFILE, pid, path, opts: { ...opts, ...(offset !== undefined && { offset }), ...(length !== undefined && { length }) } };
      break;
    }
    case Kind.STATFILE:
      req = { kind: Kind.STATFILE, pid: d.u32(), path: d.str(), ref: getFileRef(d) };
      break;
    case Kind.STEPLOOP: {
      const pid = d.u32();
      const tid = d.opt(() => d.u32());
      const count = d.u32();
      const n = d.u32();
      if (n > MAX_LIST) throw new ProtocolError('malformed step loop: too many stop addresses');
      const stopAt: bigint[] = [];
      for (let i = 0; i < n; i++) stopAt.push(d.u64());
      req = { kind: Kind.STEPLOOP, pid, req: { ...(tid !== undefined && { tid }), count, stopAt } };
      break;
    }
    case Kind.DESCRIBE:
      req = { kind: Kind.DESCRIBE, ...getDescribeRequest(d) };
      break;
    case Kind.SPAWN: {
      const n = d.u32();
      if (n > MAX_LIST) throw new ProtocolError('malformed spawn message: too many arguments');
      const argv: string[] = [];
      for (let i = 0; i < n; i++) argv.push(d.str());
      const [stdin, stdout, stderr] = [0, 1, 2].map(() => d.opt(() => d.str()));
      const cwd = d.opt(() => d.str());
      const env = d.opt(() => {
        const m = d.u32();
        if (m > MAX_LIST) throw new ProtocolError('malformed spawn message: too many variables');
        const out: Record<string, string> = {};
        for (let i = 0; i < m; i++) out[d.str()] = d.str();
        return out;
      });
      req = {
        kind: Kind.SPAWN,
        argv,
        opts: {
          ...(stdin !== undefined && { stdin }),
          ...(stdout !== undefined && { stdout }),
          ...(stderr !== undefined && { stderr }),
          ...(cwd !== undefined && { cwd }),
          ...(env !== undefined && { env }),
        },
      };
      break;
    }
    default:
      throw new ProtocolError(`unknown message kind 0x${f.kind.toString(16)}`);
  }
  d.end();
  return req;
}

// ---- replies ----------------------------------------------------------------------------------

/** A successful reply's payload, by the request kind it answers. */
export type ReplyValue = number[] | Buffer | number | FileIdentity | StepLoopResult | DescribeEntry[] | { version: number; agent: string } | undefined;

export function encodeOk(id: number, kind: number, value: ReplyValue): Buffer {
  return okPayload(kind, value).frame(id, Kind.OK);
}

/** encodeOk as Encoder.pieces: a big reply written without another copy of its bytes. */
export function encodeOkPieces(id: number, kind: number, value: ReplyValue): Buffer[] {
  return okPayload(kind, value).pieces(id, Kind.OK);
}

function okPayload(kind: number, value: ReplyValue): Encoder {
  const e = new Encoder();
  switch (kind) {
    case Kind.HELLO: {
      const v = value as { version: number; agent: string };
      e.u32(v.version).str(v.agent);
      break;
    }
    case Kind.PIDS:
    case Kind.THREADS: {
      const list = value as number[];
      e.u32(list.length);
      for (const n of list) e.u32(n);
      break;
    }
    case Kind.READ:
    case Kind.READFILE:
      e.bytes(value as Buffer);
      break;
    case Kind.WRITE:
    case Kind.SPAWN:
      e.u32(value as number);
      break;
    case Kind.STATFILE: {
      const s = value as FileIdentity;
      e.u64(s.dev).u64(s.ino).u64(s.size).u64(s.mtimeNs);
      break;
    }
    case Kind.STEPLOOP: {
      const r = value as StepLoopResult;
      e.u32(r.done);
      e.opt(r.error, (er) => e.str(er.code).str(er.message));
      e.opt(r.last, (l) => {
        e.bytes(l.why);
        e.opt(l.regs, (b) => e.bytes(b));
      });
      break;
    }
    case Kind.DESCRIBE:
      putDescribeReply(e, value as DescribeEntry[]);
      break;
    case Kind.CLOSE:
      break;
  }
  return e;
}

/** Decodes an OK payload for a request of `kind`. */
export function decodeOk(kind: number, payload: Buffer): ReplyValue {
  const d = new Decoder(payload, `${kindName(kind)} reply`);
  let v: ReplyValue;
  switch (kind) {
    case Kind.HELLO:
      v = { version: d.u32(), agent: d.str() };
      break;
    case Kind.PIDS:
    case Kind.THREADS: {
      const n = d.u32();
      if (n * 4 > payload.length) throw new ProtocolError('malformed list reply: truncated');
      const list: number[] = [];
      for (let i = 0; i < n; i++) list.push(d.u32());
      v = list;
      break;
    }
    case Kind.READ:
    case Kind.READFILE:
      v = d.bytes();
      break;
    case Kind.WRITE:
    case Kind.SPAWN:
      v = d.u32();
      break;
    case Kind.STATFILE:
      v = { dev: d.u64(), ino: d.u64(), size: d.safe(), mtimeNs: d.u64() };
      break;
    case Kind.STEPLOOP: {
      const done = d.u32();
      const error = d.opt(() => ({ code: d.str(), message: d.str() }));
      const last = d.opt(() => {
        const why = Buffer.from(d.bytes());
        const regs = d.opt(() => Buffer.from(d.bytes()));
        return regs ? { why, regs } : { why };
      });
      v = { done, ...(error && { error }), ...(last && { last }) };
      break;
    }
    case Kind.DESCRIBE:
      v = getDescribeReply(d);
      break;
    default:
      v = undefined;
  }
  d.end();
  return v;
}

export function encodeError(id: number, err: unknown): Buffer {
  const e = new Encoder();
  if (err instanceof ProcfsError) {
    e.str(String(err.code)).str(err.message).opt(err.pid, (v) => e.u32(v)).opt(err.node, (v) => e.str(v));
  } else {
    // A bug or an unexpected system error on the far side: still one errno and one line.
    const code = (err as NodeJS.ErrnoException)?.code;
    const message = (err as Error)?.message ?? String(err);
    e.str(typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : 'EIO').str(message).u8(0).u8(0);
  }
  return e.frame(id, Kind.ERR);
}

export function decodeError(payload: Buffer): ProcfsError {
  const d = new Decoder(payload, 'error reply');
  const code = d.str();
  const message = d.str();
  const pid = d.opt(() => d.u32());
  const node = d.opt(() => d.str());
  d.end();
  return new ProcfsError(code, message, pid, node);
}

const NAMES = new Map<number, string>(Object.entries(Kind).map(([k, v]) => [v, k.toLowerCase()]));

export function kindName(kind: number): string {
  return NAMES.get(kind) ?? `0x${kind.toString(16)}`;
}

/** The hello request a client sends first. */
export function helloFrame(): Buffer {
  return encodeRequest(SESSION_ID, { kind: Kind.HELLO, version: PROTOCOL_VERSION });
}
