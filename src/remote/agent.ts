/**
 * The agent side of the remote protocol (protocol.ts): serves one ProcFs to one client over a
 * pair of streams, and, when the client vanishes, releases every target the client left traced
 * (breakpoint bytes back, detached, running as found), the way pdbg's exit guard would have.
 */
import { hostname } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { ProcfsError } from '../procfs/errors.js';
import type { NodeName } from '../procfs/node.js';
import type { NodeOptions, ProcFs, SpawnOptions } from '../procfs/source.js';
import { runStepLoop } from '../procfs/step-loop.js';
import { describeThroughNodes } from '../procfs/describe-nodes.js';
import type { EntryErrorHandler } from '../procfs/process-info.js';
import type { DescribeEntry } from './describe-codec.js';
import { ReleaseJournal, type Restore } from '../procfs/release-journal.js';
import { releaseAllSync, releaseSync, releaseTarget, rewindPastTrap, stillPlanted, withTimeout } from '../procfs/release.js';
import {
  decodeRequest, encodeError, encodeOk, encodeOkPieces, FLAG_CHAINED, FrameReader, Kind, MAX_FRAME, PROTOCOL_VERSION, ProtocolError, SESSION_ID,
  type Frame, type ReplyValue, type Request,
} from './protocol.js';

/** How a served session ended. */
export interface AgentEnd {
  /** `close`: the client said goodbye; `eof`: its stream ended or broke; `protocol`: it sent garbage; `signal`. */
  readonly how: 'close' | 'eof' | 'protocol' | 'signal';
  /** One line for a person (the protocol error, the stream error), absent for a clean close. */
  readonly message?: string;
  /** Targets released on the client's behalf. */
  readonly released: number;
}

export interface AgentOptions {
  /** Named in the hello reply, for the client's messages (`pdbg agent on web1`). */
  readonly description?: string;
}


/** Bounds the release's checks of the bytes it is about to write back (a target stuck in D state). */
const CHECK_TIMEOUT_MS = 1500;
/**
 * Replies not yet taken by the client above which the agent starts no new request and reads no
 * more: a client that pipelines twelve 60 MiB mem reads and does not read took 1.5 GB of an
 * unbounded agent. A reply is never cut, so the most held is this plus one reply (MAX_FRAME).
 */
const OUTPUT_BOUND = 8 * 1024 * 1024;
/** Small replies of one batch leave in one write (one wake-up of the client); big ones at once. */
const BATCH_BYTES = 256 * 1024;

function ctlWord(data: string | Buffer): string {
  return (typeof data === 'string' ? data : data.toString('latin1')).trim();
}

export class Agent {
  private readonly reader = new FrameReader();
  private readonly journal = new ReleaseJournal();
  /** Requests run one at a time in arrival order; this is the last one queued. */
  private tail: Promise<void> = Promise.resolve();
  private greeted = false;
  /** Requests queued and not yet answered; replies leave in one write when it drops to 0. */
  private queued = 0;
  /** The pid whose step loop runs now (an interrupt for it ends the loop instead of going to the tracer). */
  private looping: number | undefined;
  private loopInterrupted = false;
  private replies: Buffer[] = [];
  private replyBytes = 0;
  /** Set while the output holds more than OUTPUT_BOUND: the queue's next request waits for 'drain'. */
  private congested: (() => void)[] | undefined;
  /** A CLOSE came: nothing after it is read, and it takes effect once the requests before it are answered. */
  private closing = false;
  /** The pid whose `ctl wait` runs now in the queue (a CLOSE behind it ends it with an interrupt). */
  private waiting: number | undefined;
  /** The last queued request's error, for FLAG_CHAINED requests after it. */
  private lastError: unknown;
  private ended: AgentEnd | undefined;
  private releasing: Promise<number> | undefined;
  private resolveDone!: (end: AgentEnd) => void;
  /** Settles once the session is over and every held target is released. */
  readonly done: Promise<AgentEnd> = new Promise((res) => (this.resolveDone = res));

  constructor(
    private readonly fs: ProcFs,
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly opts: AgentOptions = {},
  ) {
    input.on('data', (chunk: Buffer) => this.onData(chunk));
    input.on('end', () => this.finish('eof'));
    input.on('close', () => this.finish('eof'));
    input.on('error', (err: Error) => this.finish('eof', `input: ${err.message}`));
    // A client gone mid-reply: the replies have nowhere to go, the release still runs.
    output.on('error', () => this.finish('eof'));
    output.on('drain', () => this.uncongest());
    output.on('close', () => this.uncongest());
  }

  /** Ends the session from outside (SIGTERM, SIGHUP): releases like an EOF. */
  stop(how: AgentEnd['how'] = 'signal', message?: string): Promise<AgentEnd> {
    this.finish(how, message);
    return this.done;
  }

  /** The exit-time fallback: whatever is still held is released synchronously (no checks). */
  releaseNowSync(): void {
    if (!this.fs.capabilities.syncRelease) return;
    for (const pid of this.journal.held()) releaseSync(this.fs, pid, this.journal.restores(pid));
    this.journal.clear();
  }

  private onData(chunk: Buffer): void {
    // Releasing: the client's later requests must not undo the release under it. After a
    // CLOSE the input is still read, for its EOF only.
    if (this.ended || this.releasing || this.closing) return;
    let frames: Frame[];
    try {
      frames = this.reader.push(chunk);
    } catch (err) {
      this.finish('protocol', (err as Error).message);
      return;
    }
    for (const f of frames) {
      if (this.ended || this.closing) return;
      let req: Request;
      try {
        req = decodeRequest(f);
        if (!this.greeted && req.kind !== Kind.HELLO) throw new ProtocolError('the client did not start with a hello');
        if (this.greeted && req.kind === Kind.HELLO) throw new ProtocolError('a second hello');
        if (this.greeted && f.id === SESSION_ID) throw new ProtocolError('request id 0 is reserved for the session');
      } catch (err) {
        this.finish('protocol', (err as Error).message);
        return;
      }
      this.dispatch(f, req);
    }
  }

  private dispatch(f: Frame, req: Request): void {
    switch (req.kind) {
      case Kind.HELLO:
        if (req.version !== PROTOCOL_VERSION) {
          // The ERR with id 0 that finish() sends is the hello's own reply.
          this.finish('protocol', `protocol version ${req.version} not supported (this agent speaks version ${PROTOCOL_VERSION})`);
          return;
        }
        this.greeted = true;
        this.send(encodeOk(f.id, Kind.HELLO, { version: PROTOCOL_VERSION, agent: this.opts.description ?? `pdbg agent pid ${process.pid} on ${hostname()}` }));
        return;
      case Kind.CLOSE:
        // In order, as every request: those before it are answered first (a CLOSE that overtook
        // them left them unanswered). A `ctl wait` among them would block the close for as long
        // as the target runs, so it is ended with an interrupt, as the release would end it.
        this.closing = true;
        if (this.waiting !== undefined) this.endWait(this.waiting);
        this.tail = this.tail.then(() => this.close(f.id));
        return;
      case Kind.WRITE:
        // An interrupt exists to end a `ctl wait` in flight: it must overtake it, not queue behind it.
        if (req.node === 'ctl' && ctlWord(req.data) === 'interrupt') {
          // A step loop of ours is between steps, never inside a wait: it ends after the step
          // in flight (the thread is then stopped, as an interrupt promises).
          if (this.looping === req.pid) {
            this.loopInterrupted = true;
            this.send(encodeOk(f.id, Kind.WRITE, Buffer.byteLength(typeof req.data === 'string' ? req.data : req.data.toString('latin1'))));
            this.flush();
            return;
          }
          void this.execute(f, req, false);
          return;
        }
        break;
      default:
        break;
    }
    this.queued++;
    this.tail = this.tail.then(async () => {
      await this.room();
      await this.execute(f, req, true);
      // A batch's replies go back in one write, as its requests came: one wake-up of the client.
      if (--this.queued === 0) this.flush();
    });
  }

  private async execute(f: Frame, req: Request, ordered: boolean): Promise<void> {
    if (this.ended) return;
    // Queued behind the release: not run (the session is ending), answered so the count drains.
    if (this.releasing) {
      this.send(encodeError(f.id, new ProcfsError('EIO', 'the agent is releasing its targets: session over')));
      return;
    }
    if (ordered && f.flags & FLAG_CHAINED && this.lastError !== undefined) {
      this.send(encodeError(f.id, this.lastError));
      return;
    }
    try {
      const value = await this.run(req);
      const reply = encodeOkPieces(f.id, f.kind, value);
      const size = reply.reduce((n, p) => n + p.length, 0);
      // The client would end the session on a frame this big: refuse this one reply instead.
      if (size - 4 > MAX_FRAME) throw new ProcfsError('EFBIG', `reply of ${size} bytes exceeds the ${MAX_FRAME}-byte frame limit: read it in pieces`);
      if (ordered) this.lastError = undefined;
      this.send(...reply);
    } catch (err) {
      if (ordered) this.lastError = err;
      this.send(encodeError(f.id, err));
    }
    // An out-of-band reply must not wait behind the `ctl wait` it was sent to end.
    if (!ordered) this.flush();
  }

  private async run(req: Request): Promise<ReplyValue> {
    const fs = this.fs;
    switch (req.kind) {
      case Kind.PIDS:
        return fs.pids();
      case Kind.THREADS:
        return fs.threads(req.pid);
      case Kind.READ:
        return fs.read(req.pid, req.node, req.opts);
      case Kind.WRITE:
        return this.write(req.pid, req.node, req.data, req.opts);
      case Kind.READFILE:
        return fs.readFile(req.pid, req.path, req.opts);
      case Kind.STATFILE:
        return fs.statFile(req.pid, req.path, req.ref);
      case Kind.SPAWN:
        return fs.spawn(req.argv, this.safeStdio(req.opts));
      case Kind.DESCRIBE: {
        // An unreadable process is its entry's error, as a local listing reports it and goes on.
        const entries: DescribeEntry[] = [];
        const onError: EntryErrorHandler = (error, pid) => entries.push({ pid, error });
        const d = fs.capabilities.describer;
        entries.push(...(d ? await d.describe(req.pids, req.want, onError) : await describeThroughNodes(fs, req.pids, req.want, onError)));
        return entries;
      }
      case Kind.STEPLOOP:
        this.looping = req.pid;
        this.loopInterrupted = false;
        this.journal.resumed(req.pid);
        try {
          return await runStepLoop(fs, req.pid, req.req, () => this.loopInterrupted || this.closing || this.releasing !== undefined);
        } finally {
          this.looping = undefined;
        }
      default:
        throw new ProcfsError('EINVAL', `${req.kind}: not a queued request`);
    }
  }

  /** A write, journaled: int3 bytes with what they cover, attach and detach. */
  private async write(pid: number, node: NodeName, data: string | Buffer, opts: NodeOptions): Promise<number> {
    if (node === 'mem' && typeof data !== 'string' && opts.offset !== undefined) {
      const originals = new Map<bigint, number>();
      for (const addr of this.journal.needsOriginal(pid, opts.offset, data)) {
        const b = await this.fs.read(pid, 'mem', { offset: addr, length: 1 }).catch(() => undefined);
        if (b && b.length === 1) originals.set(addr, b[0]!);
      }
      const n = await this.fs.write(pid, node, data, opts);
      this.journal.wrote(pid, opts.offset, data, originals);
      return n;
    }
    const n = node === 'ctl' && ctlWord(data) === 'wait' ? await this.wait(pid, data, opts) : await this.fs.write(pid, node, data, opts);
    if (node === 'regs') this.journal.wroteRegs(pid, opts.tid);
    if (node === 'ctl') {
      const word = ctlWord(data);
      // Any word but `wait` may resume (or end) the target: the next stop is the client's news again.
      if (word !== 'wait') this.journal.resumed(pid);
      if (word === 'attach') this.journal.attachedTo(pid);
      else if (word === 'detach' || word === 'detach-stopped') this.journal.detachedFrom(pid);
    }
    return n;
  }

  /** A `ctl wait`, ended at once if a CLOSE is queued behind it. */
  private async wait(pid: number, data: string | Buffer, opts: NodeOptions): Promise<number> {
    this.waiting = pid;
    try {
      const n = this.fs.write(pid, 'ctl', data, opts);
      if (this.closing) this.endWait(pid);
      return await n;
    } finally {
      this.waiting = undefined;
    }
  }

  private endWait(pid: number): void {
    // EBUSY when it stopped meanwhile: the wait has its answer then.
    void this.fs.write(pid, 'ctl', 'interrupt').catch(() => undefined);
  }

  /**
   * The agent's own stdout is the protocol stream: a program started with `inherit` must not
   * write into it, so its stdout goes to the agent's stderr and its stdin to /dev/null.
   */
  private safeStdio(o: SpawnOptions): SpawnOptions {
    return {
      ...o,
      stdin: o.stdin === undefined || o.stdin === 'inherit' ? 'ignore' : o.stdin,
      stdout: o.stdout === undefined || o.stdout === 'inherit' ? '/dev/stderr' : o.stdout,
    };
  }

  /** Queues a reply; it leaves when the queue is idle (at once for out-of-band replies), or the batch is big. */
  private send(...pieces: Buffer[]): void {
    for (const p of pieces) {
      this.replies.push(p);
      this.replyBytes += p.length;
    }
    if (this.queued === 0 || this.replyBytes >= BATCH_BYTES) this.flush();
  }

  private flush(): void {
    if (this.replies.length === 0) return;
    const pieces = this.replies;
    this.replies = [];
    this.replyBytes = 0;
    if (this.output.destroyed || this.output.writableEnded) return;
    // Corked, the pieces leave in one writev: one wake-up of the client, no copy joining them.
    this.output.cork();
    for (const p of pieces) this.output.write(p);
    this.output.uncork();
    if (this.output.writableLength > OUTPUT_BOUND && !this.congested) {
      this.congested = [];
      // Requests stay in the client's pipe, not in our memory; its EOF is seen after the drain
      // (a client that is gone makes the output fail instead, which ends the session too).
      this.input.pause();
    }
  }

  /** Resolves when the output has room for another reply (or the session is ending). */
  private room(): Promise<void> | undefined {
    if (!this.congested || this.releasing || this.ended) return undefined;
    return new Promise((res) => this.congested!.push(res));
  }

  private uncongest(): void {
    const waiting = this.congested;
    if (!waiting) return;
    this.congested = undefined;
    if (!this.ended && !this.releasing) this.input.resume();
    for (const w of waiting) w();
  }

  private async close(id: number): Promise<void> {
    if (this.ended) return;
    // The engine released what it held before closing; anything still held is released here.
    const released = await this.release();
    await this.fs.close().catch(() => undefined);
    this.send(encodeOk(id, Kind.CLOSE, undefined));
    this.end({ how: 'close', released });
  }

  private finish(how: AgentEnd['how'], message?: string): void {
    if (this.ended || this.releasing) return;
    // The client hears why too: a session-level error travels as an ERR with id 0 (the hello's).
    if (how !== 'eof' && message !== undefined) {
      this.replies.push(encodeError(SESSION_ID, new ProcfsError('EPROTO', message)));
      this.flush();
    }
    void (async () => {
      const released = await this.release();
      await withTimeout(this.fs.close().catch(() => undefined), CHECK_TIMEOUT_MS);
      this.end({ how, released, ...(message !== undefined && { message }) });
    })();
  }

  private end(e: AgentEnd): void {
    if (this.ended) return;
    this.flush();
    this.ended = e;
    this.input.pause();
    if (!this.output.destroyed && !this.output.writableEnded) this.output.end();
    this.resolveDone(e);
  }

  /** Every held target released; resolves to how many. Runs once. */
  private release(): Promise<number> {
    if (this.releasing) return this.releasing;
    this.releasing = this.releaseHeld();
    // Requests waiting for room in the output are answered now ("session over"), not after a drain.
    const waiting = this.congested;
    this.congested = undefined;
    for (const w of waiting ?? []) w();
    return this.releasing;
  }

  private async releaseHeld(): Promise<number> {
    const pids = this.journal.held();
    if (pids.length === 0) return 0;
    await this.settle(pids);
    const restores = new Map<number, Restore[]>();
    for (const pid of pids) restores.set(pid, await stillPlanted(this.fs, pid, this.journal.restores(pid), CHECK_TIMEOUT_MS));
    // The live source releases synchronously (it detaches every target at once); another source
    // gets the one release per target, the pc already rewound above.
    if (!releaseAllSync(this.fs, restores)) {
      for (const pid of pids) {
        await releaseTarget(this.fs, pid, { restore: restores.get(pid)!, forClient: { ms: CHECK_TIMEOUT_MS, detachMs: this.journal.isAttached(pid) ? CHECK_TIMEOUT_MS : false } });
      }
    }
    this.journal.clear();
    return pids.length;
  }

  /**
   * Brings the targets to a stop the release can work on: a `ctl wait` in flight is ended by an
   * interrupt (the queue drains), and a thread the client never saw stopped on one of its int3
   * bytes (the reply was in flight when the connection went) gets its pc put back on the
   * instruction, as the engine would have, so that it runs the original instruction, not the
   * middle of it.
   */
  private async settle(pids: readonly number[]): Promise<void> {
    if (this.queued > 0) {
      for (const pid of pids) if (this.journal.isAttached(pid)) await withTimeout(this.fs.write(pid, 'ctl', 'interrupt').catch(() => undefined), CHECK_TIMEOUT_MS);
      await withTimeout(this.tail, CHECK_TIMEOUT_MS);
    }
    for (const pid of pids) {
      const pcIsClients = (tid: number) => this.journal.regsSetSinceStop(pid, tid);
      if (this.journal.isAttached(pid)) await rewindPastTrap(this.fs, pid, this.journal.restores(pid), { ms: CHECK_TIMEOUT_MS, pcIsClients });
    }
  }

}

/** Serves `fs` on (input, output) until the client closes or goes away. */
export function serveProcFs(fs: ProcFs, input: Readable, output: Writable, opts: AgentOptions = {}): Agent {
  return new Agent(fs, input, output, opts);
}
