/**
 * The client side of the remote protocol (protocol.ts): a ProcFs whose every operation is a
 * request to an agent (`pdbg serve --stdio`) over any pair of streams.
 *
 * Pipelined: a call sends its request at once and returns a promise settled by the reply with
 * its id; the requests of one microtask turn leave in one write. `batch` sends its ops as
 * chained frames in one burst, so an engine step (step, wait, why, regs) is one round trip.
 */
import type { Readable, Writable } from 'node:stream';
import { ProcfsError } from '../procfs/errors.js';
import type { NodeName } from '../procfs/node.js';
import type { EntryErrorHandler, ListWants, ProcessInfo } from '../procfs/process-info.js';
import type {
  BatchOp, BatchResult, FileIdentity, FileRef, NodeOptions, OpenFileOptions, RangedFile, ProcessDescriber, ProcFs, SourceCapabilities, SpawnOptions, StepLoopRequest, StepLoopResult,
} from '../procfs/source.js';
import { openThroughReads } from '../procfs/ranged-file.js';
import type { DescribeEntry } from './describe-codec.js';
import {
  decodeError, decodeOk, encodeRequest, FLAG_CHAINED, FrameReader, helloFrame, Kind, kindName, MAX_FRAME, PROTOCOL_VERSION,
  ProtocolError, SESSION_ID, type Frame, type Request, type ReplyValue,
} from './protocol.js';
import { ReplyWatch, type Watched } from './reply-watch.js';

/** Why a connection is lost when the agent's side ended its stream (not a protocol error). */
export const STREAM_CLOSED = 'the agent closed its stream';

/** Traffic counters, for tests and the bench: how many times the client waited on the agent. */
export interface RemoteStats {
  /** Request frames sent. */
  framesSent: number;
  /** Writes to the stream (requests of one turn are coalesced into one). */
  bursts: number;
  /** Bursts sent while no reply was outstanding: each is a round trip the caller waits out. */
  roundTrips: number;
  /** Reply frames received. */
  replies: number;
}

export interface RemoteOptions {
  /** Names the far side in messages: `remote web1`. */
  readonly name?: string;
  /** How long the hello may take before the connection is given up (ms). */
  readonly helloTimeoutMs?: number;
  /**
   * How long the far side may stay silent while a request that cannot legitimately wait is its
   * to answer (ms; see reply-watch.ts). Unset: no deadline.
   */
  readonly requestTimeoutMs?: number;
  /** Appended to a timeout's message: the knob that sets the limit. */
  readonly limitHint?: string;
  /**
   * Called once when the connection is lost other than by close(): a protocol error, a deadline,
   * the stream's end. The transport tears down what carries the stream (the chain's processes),
   * so that nothing is left to keep pdbg, or the far side, running.
   */
  readonly onLost?: (reason: string) => void;
}

interface Pending {
  readonly kind: number;
  resolve(v: ReplyValue): void;
  reject(e: unknown): void;
}

export class RemoteProcFs implements ProcFs, ProcessDescriber {
  /** Its files are the far side's, its release is the agent's; a listing is one DESCRIBE request. */
  readonly capabilities: SourceCapabilities = { transport: 'batched', describer: this };
  /** The agent's description, from its hello reply. */
  agent = '';
  private readonly reader = new FrameReader();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private outbox: Buffer[] = [];
  private flushQueued = false;
  private lost: ProcfsError | undefined;
  private closed = false;
  private readonly counters: RemoteStats = { framesSent: 0, bursts: 0, roundTrips: 0, replies: 0 };
  private readonly watch: ReplyWatch | undefined;

  private constructor(
    private readonly input: Readable,
    private readonly output: Writable,
    readonly name: string,
    private readonly opts: RemoteOptions,
  ) {
    const limit = opts.requestTimeoutMs;
    if (limit !== undefined) {
      this.watch = new ReplyWatch(limit, (what) =>
        this.lose(`no reply to ${what} from ${name} in ${Number((limit / 1000).toFixed(3))} s${opts.limitHint ? `; ${opts.limitHint}` : ''}`));
    }
    input.on('data', (chunk: Buffer) => this.onData(chunk));
    input.on('end', () => this.lose(STREAM_CLOSED));
    input.on('close', () => this.lose(STREAM_CLOSED));
    input.on('error', (err: Error) => this.lose(err.message));
    output.on('error', (err: Error) => this.lose(err.message));
  }

  /**
   * A source over (input: the agent's replies, output: our requests), once the hello is done.
   * A version mismatch or an agent that answers garbage rejects with one clear line.
   */
  static async connect(input: Readable, output: Writable, opts: RemoteOptions = {}): Promise<RemoteProcFs> {
    const r = new RemoteProcFs(input, output, opts.name ?? 'remote', opts);
    await r.hello(opts.helloTimeoutMs ?? 15_000);
    return r;
  }

  /** `remote NAME`, for messages about this source. */
  get root(): string {
    return `remote ${this.name}`;
  }

  /** A copy of the traffic counters. */
  stats(): RemoteStats {
    return { ...this.counters };
  }

  /**
   * Fails every pending and later request with EIO `connection to the agent lost: REASON` and
   * drops the streams (the transport calls it when the agent's process exits).
   */
  lose(reason: string): void {
    if (this.lost) return;
    this.lost = new ProcfsError('EIO', this.closed ? `${this.root}: closed` : `connection to the agent lost: ${reason}`);
    this.watch?.stop();
    for (const p of this.pending.values()) p.reject(this.lost);
    this.pending.clear();
    this.outbox = [];
    if (!this.output.destroyed) this.output.destroy();
    this.input.destroy();
    if (!this.closed) this.opts.onLost?.(reason);
  }

  pids(): Promise<number[]> {
    return this.request({ kind: Kind.PIDS }) as Promise<number[]>;
  }

  threads(pid: number): Promise<number[]> {
    return this.request({ kind: Kind.THREADS, pid }) as Promise<number[]>;
  }

  read(pid: number, node: NodeName, opts: NodeOptions = {}): Promise<Buffer> {
    return this.request({ kind: Kind.READ, pid, node, opts }) as Promise<Buffer>;
  }

  readInto(pid: number, node: NodeName, into: Uint8Array, opts: NodeOptions = {}): Promise<number> {
    return this.readIntoFrame(pid, node, into, opts, 0);
  }

  write(pid: number, node: NodeName, data: string | Uint8Array, opts: NodeOptions = {}): Promise<number> {
    return this.writeFrame(pid, node, data, opts, 0);
  }

  readFile(pid: number, path: string, opts: FileRef & { offset?: number; length?: number } = {}): Promise<Buffer> {
    return this.request({ kind: Kind.READFILE, pid, path, opts }) as Promise<Buffer>;
  }

  statFile(pid: number, path: string, ref: FileRef = {}): Promise<FileIdentity> {
    return this.request({ kind: Kind.STATFILE, pid, path, ref }) as Promise<FileIdentity>;
  }

  /**
   * A far file by ranges: STATFILE once, then one READFILE (offset, length) per range the reader
   * asks for, so symbols of a 100 MB executable cost its headers and tables, not the file.
   */
  openFile(pid: number, path: string, opts: OpenFileOptions = {}): Promise<RangedFile> {
    return openThroughReads(this, pid, path, opts);
  }

  /** Steps run by the agent, next to the target: one round trip for the whole loop. */
  stepLoop(pid: number, req: StepLoopRequest): Promise<StepLoopResult> {
    return this.request({ kind: Kind.STEPLOOP, pid, req }) as Promise<StepLoopResult>;
  }

  spawn(argv: readonly string[], opts: SpawnOptions = {}): Promise<number> {
    return this.request({ kind: Kind.SPAWN, argv: [...argv], opts }) as Promise<number>;
  }

  /** The ops as one burst of chained requests: the agent runs them in order, stopping at a failure. */
  batch(ops: readonly BatchOp[]): Promise<BatchResult[]> {
    const all = ops.map((op, i) => {
      const flags = i === 0 ? 0 : FLAG_CHAINED;
      const p = op.op === 'write' ? this.writeFrame(op.pid, op.node, op.data, op.opts ?? {}, flags) : this.readIntoFrame(op.pid, op.node, op.into, op.opts ?? {}, flags);
      return p.then(
        (value): BatchResult => ({ ok: true, value }),
        (error: unknown): BatchResult => ({ ok: false, error }),
      );
    });
    return Promise.all(all);
  }

  /** Says goodbye (the agent releases anything still held), then ends the stream. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.lost) {
      this.closed = true;
      return;
    }
    try {
      await this.request({ kind: Kind.CLOSE });
    } catch {
      // Already gone: nothing left to close.
    }
    this.closed = true;
    this.lose('closed');
  }

  // ---- internals ------------------------------------------------------------------------------

  private writeFrame(pid: number, node: NodeName, data: string | Uint8Array, opts: NodeOptions, flags: number): Promise<number> {
    return this.request({ kind: Kind.WRITE, pid, node, opts, data: typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.length) }, flags) as Promise<number>;
  }

  private async readIntoFrame(pid: number, node: NodeName, into: Uint8Array, opts: NodeOptions, flags: number): Promise<number> {
    const data = (await this.request({ kind: Kind.READ, pid, node, opts: { ...opts, length: opts.length ?? into.length } }, flags)) as Buffer;
    const n = Math.min(data.length, into.length);
    into.set(data.subarray(0, n));
    return n;
  }

  private hello(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.lose(`no hello from the agent in ${timeoutMs} ms`);
      }, timeoutMs);
      // A connection given up another way (the chain's exit) must not be kept waiting for it.
      timer.unref();
      this.pending.set(0, {
        kind: Kind.HELLO,
        resolve: (v) => {
          clearTimeout(timer);
          const h = v as { version: number; agent: string };
          if (h.version !== PROTOCOL_VERSION) {
            this.lose(`the agent speaks protocol version ${h.version}, this pdbg ${PROTOCOL_VERSION}`);
            reject(new ProcfsError('EPROTO', `the agent speaks protocol version ${h.version}, this pdbg ${PROTOCOL_VERSION}`));
            return;
          }
          this.agent = h.agent;
          resolve();
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.enqueue(helloFrame());
    });
  }

  /** The agent's source describes them (state letters included): one round trip for a listing. */
  async describe(pids: readonly number[], want: ListWants, onError?: EntryErrorHandler): Promise<ProcessInfo[]> {
    const entries = (await this.request({ kind: Kind.DESCRIBE, pids, want })) as DescribeEntry[];
    const out: ProcessInfo[] = [];
    for (const x of entries) {
      if (!('error' in x)) out.push(x);
      else if (onError) onError(x.error, x.pid);
      else throw x.error;
    }
    return out;
  }

  private request(req: Request, flags = 0): Promise<ReplyValue> {
    if (this.lost) return Promise.reject(this.lost);
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    let frame: Buffer;
    try {
      frame = encodeRequest(id, req, flags);
    } catch (err) {
      return Promise.reject(err);
    }
    // The agent would end the session on it: this request alone fails.
    if (frame.length - 4 > MAX_FRAME) return Promise.reject(new ProcfsError('EFBIG', `${kindName(req.kind)} request of ${frame.length} bytes exceeds the ${MAX_FRAME}-byte frame limit`));
    return new Promise<ReplyValue>((resolve, reject) => {
      this.pending.set(id, { kind: req.kind, resolve, reject });
      this.watch?.sent(id, watched(req));
      this.enqueue(frame);
    });
  }

  private enqueue(frame: Buffer): void {
    this.outbox.push(frame);
    this.counters.framesSent++;
    if (this.flushQueued) return;
    this.flushQueued = true;
    // Requests issued in the same turn (a batch, or independent calls) leave in one write.
    queueMicrotask(() => this.flush());
  }

  private flush(): void {
    this.flushQueued = false;
    if (this.outbox.length === 0 || this.lost) return;
    const n = this.outbox.length;
    const data = n === 1 ? this.outbox[0]! : Buffer.concat(this.outbox);
    this.outbox = [];
    this.counters.bursts++;
    // Outstanding replies other than this burst's: none means the caller now waits a full trip.
    if (this.pending.size <= n) this.counters.roundTrips++;
    this.output.write(data);
  }

  private onData(chunk: Buffer): void {
    this.watch?.heard();
    let frames: Frame[];
    try {
      frames = this.reader.push(chunk);
    } catch (err) {
      this.lose(`the agent sent a malformed frame: ${(err as Error).message}`);
      return;
    }
    for (const f of frames) {
      this.counters.replies++;
      const p = this.pending.get(f.id);
      if (!p && f.id === SESSION_ID && f.kind === Kind.ERR) {
        let why: string;
        try {
          why = decodeError(f.payload).message;
        } catch {
          why = 'unreadable reason';
        }
        this.lose(`the agent ended the session: ${why}`);
        return;
      }
      if (!p) {
        this.lose(`the agent answered request ${f.id}, which is not pending`);
        return;
      }
      this.pending.delete(f.id);
      this.watch?.answered(f.id);
      try {
        if (f.kind === Kind.OK) p.resolve(decodeOk(p.kind, f.payload));
        else if (f.kind === Kind.ERR) p.reject(decodeError(f.payload));
        else throw new ProtocolError(`unknown reply kind 0x${f.kind.toString(16)}`);
      } catch (err) {
        const e = err instanceof ProtocolError ? err : new ProtocolError(String(err));
        p.reject(new ProcfsError('EIO', `the agent's ${kindName(p.kind)} reply is malformed: ${e.message}`));
        this.lose(e.message);
        return;
      }
    }
  }
}

function ctlWordOf(req: Request): string | undefined {
  if (req.kind !== Kind.WRITE || req.node !== 'ctl') return undefined;
  return (typeof req.data === 'string' ? req.data : req.data.toString('latin1')).trim();
}

/**
 * How the agent treats a request (agent.ts): an interrupt and the close overtake the queue; a
 * `ctl wait` and a step loop wait on the target for as long as it takes.
 */
function watched(req: Request): Watched {
  const word = ctlWordOf(req);
  return {
    what: word !== undefined ? `ctl ${word}` : kindName(req.kind),
    ordered: !(word === 'interrupt' || req.kind === Kind.CLOSE),
    mayWait: word === 'wait' || req.kind === Kind.STEPLOOP,
  };
}
