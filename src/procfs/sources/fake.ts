/**
 * An in-memory ProcFs: processes with status lines, threads, a byte-addressed memory, registers
 * and a tiny instruction model (fake/cpu.ts), controlled through the same `ctl` words and
 * errnos as the live source (ctl.ts's table). It exists so that the engine, the CLI and the TUI
 * logic can be tested with no root and no real process, and it passes the contract suite
 * (procfs/contract.ts) that the live source passes.
 *
 * Time does not pass by itself: a `run` executes up to RUN_BUDGET instructions at once; a
 * target that reaches no stop in that many is "running" until something stops it (`interrupt`,
 * a signal through `note`, SIGKILL), and a `wait` meanwhile blocks until then. An untraced
 * process does not execute at all.
 */
import { ctlPrecondition, parseCtl, type TraceState } from '../ctl.js';
import { ProcfsError } from '../errors.js';
import { formatJailNode } from '../jail-node.js';
import { formatFreeBsdMap, formatLinuxMaps, freeBsdMapFromLinux } from '../map.js';
import type { NodeName } from '../node.js';
import { fillerOf, type NodeFillers } from '../node-fillers.js';
import { parseNote } from '../note.js';
import { FPREGS_SIZE, LINUX_X86_64, setReg } from '../regs.js';
import { openThroughReads } from '../ranged-file.js';
import type { FileIdentity, FileRef, NodeOptions, OpenFileOptions, ProcFs, RangedFile, SourceCapabilities } from '../source.js';
import { formatStatus } from '../status.js';
import { formatWhy, type Why } from '../why.js';
import { execute, setPcOf } from './fake/cpu.js';
import { FakeMemory, type FakeRegion } from './fake/memory.js';
import { defaultAction } from './fake/signals.js';

export type { FakeRegion } from './fake/memory.js';

/** Instructions one `run` executes before the target counts as running on (a loop). */
const RUN_BUDGET = 10_000;

export interface FakeThreadSpec {
  /** Default: the pid for the first thread, then pid+1, pid+2, … */
  readonly tid?: number;
  readonly pc: bigint;
  /** Other registers' initial values, by Linux name (`rdi`, `rsp`, …). */
  readonly regs?: Readonly<Record<string, bigint>>;
}

export interface FakeProcessSpec {
  readonly pid?: number;
  readonly ppid?: number;
  readonly comm?: string;
  readonly argv?: readonly string[];
  /** The `file` node. */
  readonly exe?: string;
  readonly regions: readonly FakeRegion[];
  /** The first is the main thread (its tid is the pid). */
  readonly threads: readonly FakeThreadSpec[];
  /** Signals the program has handlers for: delivered, they change nothing (the handler returns). */
  readonly handles?: readonly string[];
  /** Traced by some other debugger: attach is EBUSY (ctl.ts's `other-tracer`). */
  readonly otherTracer?: boolean;
}

interface FakeThread {
  readonly tid: number;
  readonly regs: Buffer;
  readonly fpregs: Buffer;
}

interface FakeProc {
  readonly pid: number;
  readonly spec: FakeProcessSpec;
  readonly mem: FakeMemory;
  readonly threads: Map<number, FakeThread>;
  readonly handles: ReadonlySet<string>;
  traced: boolean;
  /** Traced and resumed (or attached) and not yet collected by `wait`. */
  resumed: boolean;
  /** The stop the next `wait` reports; undefined while it runs on with nothing to report yet. */
  next: (Why & { state: 'stopped' }) | undefined;
  why: Why;
  lastTid: number;
  /** Signals sent while it was stopped: each is a signal-delivery stop on the next resume. */
  queued: string[];
  /** Untraced and in a job-control stop. */
  jobStopped: boolean;
  ended: boolean;
  /** Removed from the listing (exited, killed): only a tracer's `why` still knows it. */
  gone: boolean;
  wake: (() => void)[];
}

export interface FakeProcFsOptions {
  /** Files readFile/statFile serve, by path, the same for every process. */
  readonly files?: Readonly<Record<string, Uint8Array>>;
}

export class FakeProcFs implements ProcFs {
  // The interface still has these; callers must not branch on them (issue 10), the fake says what it is.
  /** Nothing beyond the operations: a fake has no host files, no synchronous release. */
  readonly capabilities: SourceCapabilities = { transport: 'per-op' };
  private readonly procs = new Map<number, FakeProc>();
  private readonly files: Map<string, Buffer>;
  private nextPid = 1000;

  constructor(opts: FakeProcFsOptions = {}) {
    this.files = new Map(Object.entries(opts.files ?? {}).map(([k, v]) => [k, Buffer.from(v)]));
  }

  // ---- the test's side: make, inspect and end processes ------------------------------------

  /** Adds a process; resolves nothing, returns its pid. */
  add(spec: FakeProcessSpec): number {
    const pid = spec.pid ?? this.nextPid;
    this.nextPid = Math.max(this.nextPid, pid + spec.threads.length + 1);
    if (this.procs.has(pid)) throw new ProcfsError('EEXIST', `fake: pid ${pid} exists`, pid);
    if (spec.threads.length === 0) throw new ProcfsError('EINVAL', 'fake: a process needs a thread', pid);
    const threads = new Map<number, FakeThread>();
    spec.threads.forEach((t, i) => {
      const tid = i === 0 ? pid : (t.tid ?? pid + i);
      const regs = Buffer.alloc(LINUX_X86_64.size);
      for (const [name, v] of Object.entries(t.regs ?? {})) setReg(LINUX_X86_64, regs, name, v);
      setPcOf(regs, t.pc);
      threads.set(tid, { tid, regs, fpregs: Buffer.alloc(FPREGS_SIZE) });
    });
    this.procs.set(pid, {
      pid,
      spec,
      mem: new FakeMemory(spec.regions),
      threads,
      handles: new Set(spec.handles ?? []),
      traced: false,
      resumed: false,
      next: undefined,
      why: { state: 'untraced' },
      lastTid: pid,
      queued: [],
      jobStopped: false,
      ended: false,
      gone: false,
      wake: [],
    });
    return pid;
  }

  /** Kills a process outright (a test's clean-up): as SIGKILL from outside. */
  remove(pid: number): void {
    const p = this.procs.get(pid);
    if (p && !p.ended) this.end(p, { state: 'killed', signal: 'kill' });
  }

  /** Memory as it really is (no errno, no masking), for assertions. */
  peek(pid: number, addr: bigint, length: number): Buffer {
    const b = Buffer.alloc(length);
    const n = this.proc(pid, 'mem').mem.read(pid, addr, b, length);
    return b.subarray(0, n);
  }

  /** `running`, `stopped` (job control), `traced`, `gone`: what `ps` would show. */
  stateOf(pid: number): 'running' | 'stopped' | 'traced' | 'gone' {
    const p = this.procs.get(pid);
    if (!p || p.gone) return 'gone';
    if (p.traced) return 'traced';
    return p.jobStopped ? 'stopped' : 'running';
  }

  // ---- ProcFs ---------------------------------------------------------------------------

  async pids(): Promise<number[]> {
    return [...this.procs.values()].filter((p) => !p.gone).map((p) => p.pid).sort((a, b) => a - b);
  }

  async threads(pid: number): Promise<number[]> {
    return [...this.proc(pid, 'task').threads.keys()].sort((a, b) => a - b);
  }

  async read(pid: number, node: NodeName, opts: NodeOptions = {}): Promise<Buffer> {
    const fill = fillerOf(this.fillers, node);
    if (fill) return fill(pid, opts);
    this.proc(pid, node);
    throw new ProcfsError('EOPNOTSUPP', `${pid}/${node}: write-only node`, pid, node);
  }

  /** Every readable node, made from the fake's process specs and memory. */
  private readonly fillers: NodeFillers = {
    status: async (pid, opts) => this.text(pid, 'status', () => this.statusText(pid, opts)),
    cmdline: async (pid) => this.text(pid, 'cmdline', (s, comm) => `${(s.argv ?? [comm]).join('\0')}\0`),
    file: async (pid) => this.text(pid, 'file', (s, comm) => s.exe ?? `/fake/${comm}`),
    etype: async (pid) => this.text(pid, 'etype', () => 'pdbg fake\n'),
    maps: async (pid) => this.text(pid, 'maps', (_s, _c, p) => formatLinuxMaps(p.mem.entries())),
    map: async (pid) => this.text(pid, 'map', (_s, _c, p) => formatFreeBsdMap(p.mem.entries().map((e) => freeBsdMapFromLinux(e)))),
    jail: async (pid) => this.text(pid, 'jail', () => formatJailNode({ jid: null, hostname: null })),
    regs: async (pid, opts) => Buffer.from(this.regsOf(pid, 'regs', opts.tid)),
    fpregs: async (pid, opts) => Buffer.from(this.regsOf(pid, 'fpregs', opts.tid)),
    mem: async (pid, opts) => {
      const b = Buffer.alloc(opts.length ?? 4096);
      const n = await this.readInto(pid, 'mem', b, opts);
      return b.subarray(0, n);
    },
    why: async (pid) => {
      const p = this.procs.get(pid);
      if (p && (p.traced || p.ended || p.why.state === 'detached')) return Buffer.from(`${formatWhy(p.why)}\n`, 'latin1');
      this.proc(pid, 'why');
      return Buffer.from('untraced\n');
    },
  };

  async readInto(pid: number, node: NodeName, into: Uint8Array, opts: NodeOptions = {}): Promise<number> {
    if (node === 'mem') {
      const p = this.proc(pid, node);
      return p.mem.read(pid, opts.offset ?? 0n, into, Math.min(opts.length ?? into.byteLength, into.byteLength));
    }
    const data = await this.read(pid, node, opts);
    const n = Math.min(data.length, into.byteLength);
    into.set(data.subarray(0, n));
    return n;
  }

  async write(pid: number, node: NodeName, data: string | Uint8Array, opts: NodeOptions = {}): Promise<number> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    switch (node) {
      case 'ctl':
        await this.ctl(pid, data, opts.tid);
        return bytes.byteLength;
      case 'mem':
        return this.proc(pid, node).mem.write(pid, opts.offset ?? 0n, bytes);
      case 'regs':
      case 'fpregs': {
        const target = this.regsOf(pid, node, opts.tid);
        const off = Number(opts.offset ?? 0n);
        if (off < 0 || off + bytes.byteLength > target.length) {
          throw new ProcfsError('EINVAL', `${pid}/${node}: write of ${bytes.byteLength} bytes at ${off} exceeds the ${target.length}-byte struct`, pid, node);
        }
        target.set(bytes, off);
        return bytes.byteLength;
      }
      case 'note':
      case 'notepg':
        this.signal(this.proc(pid, node), parseNote(data).name);
        return bytes.byteLength;
      default:
        this.proc(pid, node);
        throw new ProcfsError('EOPNOTSUPP', `${pid}/${node}: read-only node`, pid, node);
    }
  }

  /** The fake's files are everybody's to read (no owner, no mode): a FileRef's `as` changes nothing. */
  async readFile(pid: number, path: string, opts: FileRef & { offset?: number; length?: number } = {}): Promise<Buffer> {
    const f = this.file(pid, path);
    const off = opts.offset ?? 0;
    return Buffer.from(f.subarray(off, opts.length === undefined ? undefined : off + opts.length));
  }

  async statFile(pid: number, path: string, _ref: FileRef = {}): Promise<FileIdentity> {
    const f = this.file(pid, path);
    return { dev: 0n, ino: BigInt([...this.files.keys()].indexOf(path) + 1), size: f.length, mtimeNs: 0n };
  }

  openFile(pid: number, path: string, opts: OpenFileOptions = {}): Promise<RangedFile> {
    return openThroughReads(this, pid, path, opts);
  }

  async spawn(): Promise<number> {
    throw new ProcfsError('EOPNOTSUPP', 'the fake source starts no programs (add() makes a process)');
  }

  async close(): Promise<void> {
    for (const p of this.procs.values()) if (p.traced && !p.ended) this.release(p, false);
  }

  // ---- nodes -------------------------------------------------------------------------------

  private proc(pid: number, node: string): FakeProc {
    const p = this.procs.get(pid);
    if (!p || p.gone) throw new ProcfsError('ESRCH', `no process ${pid}`, pid, node);
    return p;
  }

  private file(pid: number, path: string): Buffer {
    this.proc(pid, 'file');
    const f = this.files.get(path);
    if (!f) throw new ProcfsError('ENOENT', `${path}: no such file`, pid, 'file');
    return f;
  }

  /** A text node of a live fake process, as latin1 bytes. */
  private text(pid: number, node: NodeName, make: (spec: FakeProc['spec'], comm: string, p: FakeProc) => string): Buffer {
    const p = this.proc(pid, node);
    return Buffer.from(make(p.spec, p.spec.comm ?? 'fake', p), 'latin1');
  }

  private statusText(pid: number, opts: NodeOptions): string {
    const p = this.proc(pid, 'status');
    const s = p.spec;
    const tid = opts.tid ?? pid;
    if (!p.threads.has(tid)) throw new ProcfsError('ESRCH', `pid ${pid} has no thread ${tid}`, pid, 'status');
    const zero = { sec: 0, usec: 0 };
    return formatStatus({
      dialect: 'freebsd5', comm: Buffer.from(s.comm ?? 'fake', 'latin1'), pid: tid, ppid: s.ppid ?? 1, pgid: pid, sid: pid,
      tty: { kind: 'none' }, flags: { ctty: false, sldr: false }, start: zero, utime: zero, stime: zero,
      wchan: null, euid: 0, ruid: 0, rgid: 0, egid: 0, groups: [], jail: null,
    });
  }

  /** The register set a regs/fpregs access means; EBUSY unless stopped under this tracer. */
  private regsOf(pid: number, node: 'regs' | 'fpregs', tid?: number): Buffer {
    const p = this.procs.get(pid);
    if (p?.ended && p.traced) throw this.goneError(p, node);
    const q = this.proc(pid, node);
    if (!q.traced) throw new ProcfsError('EBUSY', `pid ${pid}: ${node}: not traced by this debugger (write attach, wait to ctl first)`, pid, node);
    if (q.resumed) throw new ProcfsError('EBUSY', `pid ${pid}: ${node}: the target is running`, pid, node);
    const th = q.threads.get(tid ?? q.lastTid);
    if (!th) throw new ProcfsError('ESRCH', `pid ${pid} has no traced thread ${tid}`, pid, node);
    return node === 'regs' ? th.regs : th.fpregs;
  }

  /** Worded as the live source words a gone target. */
  private goneError(p: FakeProc, node: string): ProcfsError {
    return new ProcfsError('ESRCH', `process ${p.pid} ${this.goneText(p) ?? 'exited'}`, p.pid, node);
  }

  private goneText(p: FakeProc): string | undefined {
    if (p.why.state === 'killed') return `was killed by signal ${p.why.signal}`;
    return p.why.state === 'exited' ? `exited (code ${p.why.code})` : undefined;
  }

  // ---- ctl ----------------------------------------------------------------------------------

  private state(p: FakeProc | undefined): TraceState {
    if (!p) return 'untraced';
    if (p.ended) return p.traced ? 'exited' : 'untraced';
    if (p.traced) return p.resumed ? 'running' : 'trace-wait';
    return p.spec.otherTracer ? 'other-tracer' : 'untraced';
  }

  private async ctl(pid: number, data: string | Uint8Array, tid?: number): Promise<void> {
    const word = parseCtl(data);
    const known = this.procs.get(pid);
    const p = known?.ended && known.traced ? known : this.proc(pid, 'ctl');
    const err = ctlPrecondition(word, this.state(p), pid, this.goneText(p));
    if (err) throw err;
    if (word.kind === 'signal') {
      if (this.state(p) === 'trace-wait') return this.resume(p, word.signal.name);
      return this.signal(p, word.signal.name);
    }
    switch (word.verb) {
      case 'attach':
        p.traced = true;
        p.resumed = true;
        p.why = { state: 'running' };
        p.next = { state: 'stopped', tid: pid, reason: 'attach' };
        p.lastTid = pid;
        return;
      case 'wait':
        return this.wait(p);
      case 'step':
        return this.step(p, tid);
      case 'run':
        return this.resume(p, undefined);
      case 'interrupt':
        if (p.resumed && !p.next) this.stopWith(p, { state: 'stopped', tid: p.lastTid, reason: 'interrupt' });
        return;
      case 'detach':
      case 'detach-stopped':
        if (!p.traced) return; // BSD's detach of an untraced target: a no-op success
        if (p.ended) {
          this.procs.delete(pid);
          return;
        }
        if (p.resumed) {
          if (!p.next) p.next = { state: 'stopped', tid: p.lastTid, reason: 'interrupt' };
          await this.wait(p);
        }
        return this.release(p, word.verb === 'detach-stopped');
    }
  }

  private async wait(p: FakeProc): Promise<void> {
    if (p.ended) return;
    while (p.resumed && !p.next && !p.ended) await new Promise<void>((r) => p.wake.push(r));
    if (p.ended || !p.next) return;
    p.why = p.next;
    p.lastTid = p.next.tid;
    p.next = undefined;
    p.resumed = false;
  }

  private stopWith(p: FakeProc, why: Why & { state: 'stopped' }): void {
    p.next = why;
    for (const w of p.wake.splice(0)) w();
  }

  private step(p: FakeProc, tid?: number): void {
    const t = tid ?? p.lastTid;
    const th = p.threads.get(t);
    if (!th) throw new ProcfsError('ESRCH', `pid ${p.pid} has no traced thread ${t}`, p.pid, 'ctl');
    this.begin(p);
    p.lastTid = t;
    const sig = p.queued.shift();
    if (sig) return this.stopWith(p, { state: 'stopped', tid: t, reason: 'signal', signal: sig });
    this.effect(p, th, execute(p.mem, th.regs));
  }

  /** `run` (no signal) or a signal word in trace-wait: every thread runs; `sig` goes to the last stopped one. */
  private resume(p: FakeProc, sig: string | undefined): void {
    this.begin(p);
    if (sig !== undefined && !this.deliver(p, sig)) return;
    const queued = p.queued.shift();
    if (queued) return this.stopWith(p, { state: 'stopped', tid: p.lastTid, reason: 'signal', signal: queued });
    // Round robin, the last stopped thread first: one instruction each until one of them stops.
    const order = [...p.threads.values()].sort((a, b) => (a.tid === p.lastTid ? -1 : b.tid === p.lastTid ? 1 : a.tid - b.tid));
    for (let i = 0; i < RUN_BUDGET; i++) {
      for (const th of order) {
        const e = execute(p.mem, th.regs);
        if (e.kind === 'next') continue;
        return this.effect(p, th, e);
      }
    }
    // No stop in the budget: it runs on (a loop) until interrupted or signalled.
  }

  private begin(p: FakeProc): void {
    p.resumed = true;
    p.next = undefined;
    p.why = { state: 'running' };
  }

  private effect(p: FakeProc, th: FakeThread, e: ReturnType<typeof execute>): void {
    switch (e.kind) {
      case 'next':
        return this.stopWith(p, { state: 'stopped', tid: th.tid, reason: 'step' });
      case 'trap':
        return this.stopWith(p, { state: 'stopped', tid: th.tid, reason: 'trap', addr: th.regs.readBigUInt64LE(this.ripOffset) });
      case 'fault':
        return this.stopWith(p, { state: 'stopped', tid: th.tid, reason: 'signal', signal: e.signal });
      case 'exit':
        return this.end(p, { state: 'exited', code: e.code });
    }
  }

  private readonly ripOffset = LINUX_X86_64.fields.find((f) => f.name === 'rip')!.offset;

  /** Delivers `sig` to a resumed traced target (its handler runs, or its default action); false when that ended it. */
  private deliver(p: FakeProc, sig: string): boolean {
    if (p.handles.has(sig) && sig !== 'kill' && sig !== 'stop') return true;
    if (defaultAction(sig) === 'terminate') {
      this.end(p, { state: 'killed', signal: sig });
      return false;
    }
    return true;
  }

  /** A signal sent (note, or a signal word outside trace-wait). */
  private signal(p: FakeProc, sig: string): void {
    if (sig === 'kill') return this.end(p, { state: 'killed', signal: 'kill' });
    if (p.traced) {
      // Traced: every signal but SIGKILL is first a stop the tracer sees (signal-delivery-stop).
      if (p.resumed && !p.next) return this.stopWith(p, { state: 'stopped', tid: p.pid, reason: 'signal', signal: sig });
      p.queued.push(sig);
      return;
    }
    if (p.handles.has(sig) && sig !== 'stop') return;
    switch (defaultAction(sig)) {
      case 'stop':
        p.jobStopped = true;
        return;
      case 'continue':
        p.jobStopped = false;
        return;
      case 'ignore':
        return;
      case 'terminate':
        return this.end(p, { state: 'killed', signal: sig });
    }
  }

  private end(p: FakeProc, why: Why): void {
    p.ended = true;
    p.gone = true;
    p.resumed = false;
    p.next = undefined;
    p.queued = [];
    p.why = why;
    if (!p.traced) this.procs.delete(p.pid);
    for (const w of p.wake.splice(0)) w();
  }

  /** Detached as Linux's source leaves it: signals it stopped on and never delivered are delivered now. */
  private release(p: FakeProc, leaveStopped: boolean): void {
    p.traced = false;
    p.resumed = false;
    p.next = undefined;
    p.why = { state: 'detached' };
    const queued = p.queued.splice(0);
    if (leaveStopped) p.jobStopped = true;
    for (const sig of queued) if (!p.ended) this.signal(p, sig);
  }
}
