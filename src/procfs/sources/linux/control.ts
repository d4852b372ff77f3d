import { P } from './native.js';
import { parseCtl } from '../../ctl.js';
import { ProcfsError } from '../../errors.js';
import { closeMem, openMem, readMem, writeMem } from './mem.js';
import { NODE_TABLE, type NodeName, type ReadableNode } from '../../node.js';
import { fillerOf, type NodeFillers } from '../../node-fillers.js';
import { deliverNote } from './note.js';
import { FPREGS_SIZE } from '../../../arch/x86-64/registers-linux.js';
import { LINUX_X86_64 } from '../../regs.js';
import type { NodeOptions, StepLoopRequest, StepLoopResult } from '../../source.js';
import { formatWhy, type Why } from '../../why.js';
import { Tracer } from './tracer.js';

/** The nodes the live source hands to its tracer: everything that needs ptrace or signals. */
export type ControlNode = Extract<NodeName, 'ctl' | 'mem' | 'regs' | 'fpregs' | 'note' | 'notepg' | 'why'>;

export const CONTROL_NODES: readonly ControlNode[] = NODE_TABLE.filter((n) => n.control).map((n) => n.name as ControlNode);

/**
 * The live Linux source's ctl/mem/regs/fpregs/note/notepg/why nodes over ptrace.
 *
 * - ctl (w): words of ctl.ts; effects in tracer.ts. `opts.tid` picks the thread `step` moves.
 * - regs/fpregs (rw): raw user_regs_struct (216 B) / user_fpregs_struct (512 B) of `opts.tid`
 *   (default: the thread that last stopped); EBUSY unless stopped under this tracer. A write
 *   shorter than the struct at `opts.offset` is read-modify-write, as BSD's.
 * - mem (rw): offset = address; see mem.ts. Works on untraced processes too (root).
 * - note/notepg (w): see note.ts. why (r): see why.ts.
 */
export class LinuxControl {
  private readonly tracer: Tracer;
  private readonly rmw = Buffer.alloc(FPREGS_SIZE);
  /**
   * /proc/PID/mem fds kept open for reads of processes this source does not trace: a dump reads
   * 4 KiB at a time, and an open + close per read made it 4x slower than C (bench `mem` row).
   */
  private readonly readFds = new Map<number, number>();

  constructor(private readonly procRoot = '/proc') {
    this.tracer = new Tracer(procRoot);
  }

  async read(pid: number, node: ControlNode, opts: NodeOptions = {}): Promise<Buffer> {
    const fill = fillerOf(this.fillers, node);
    if (!fill) throw new ProcfsError('EOPNOTSUPP', `${pid}/${node}: write-only node`, pid, node);
    return fill(pid, opts);
  }

  /** The control nodes a read asks for, through ptrace and /proc/PID/mem. */
  private readonly fillers: NodeFillers<Extract<ReadableNode, ControlNode>> = {
    regs: (pid, opts) => this.wholeStruct(pid, 'regs', LINUX_X86_64.size, opts),
    fpregs: (pid, opts) => this.wholeStruct(pid, 'fpregs', FPREGS_SIZE, opts),
    mem: async (pid, opts) => {
      const buf = Buffer.alloc(opts.length ?? 4096);
      const n = await this.readInto(pid, 'mem', buf, opts);
      return n === buf.length ? buf : buf.subarray(0, n);
    },
    why: async (pid) => Buffer.from(this.whyBytes(pid)),
  };

  private async wholeStruct(pid: number, node: 'regs' | 'fpregs', size: number, opts: NodeOptions): Promise<Buffer> {
    const buf = Buffer.alloc(size);
    await this.readInto(pid, node, buf, opts);
    return buf;
  }

  async readInto(pid: number, node: ControlNode, into: Uint8Array, opts: NodeOptions = {}): Promise<number> {
    try {
      return this.readIntoNow(pid, node, into, opts);
    } catch (e) {
      throw this.tracer.diedUnder(pid, node, e);
    }
  }

  private readIntoNow(pid: number, node: ControlNode, into: Uint8Array, opts: NodeOptions): number {
    switch (node) {
      case 'regs': {
        const tid = this.tracer.stoppedThread(pid, node, opts.tid);
        if (into.byteLength >= LINUX_X86_64.size) {
          if (!this.tracer.cachedRegs(tid, into)) P.getRegs(tid, into);
          return LINUX_X86_64.size;
        }
        P.getRegs(tid, this.rmw);
        into.set(this.rmw.subarray(0, into.byteLength));
        return into.byteLength;
      }
      case 'fpregs': {
        const tid = this.tracer.stoppedThread(pid, node, opts.tid);
        P.getFpRegs(tid, this.rmw);
        const n = Math.min(into.byteLength, FPREGS_SIZE);
        into.set(this.rmw.subarray(0, n));
        return n;
      }
      case 'mem':
        return this.readMemNow(pid, into, opts);
      case 'why': {
        const b = this.whyBytes(pid);
        const n = Math.min(b.length, into.byteLength);
        b.copy(into, 0, 0, n);
        return n;
      }
      default:
        throw new ProcfsError('EOPNOTSUPP', `${pid}/${node}: write-only node`, pid, node);
    }
  }

  async write(pid: number, node: ControlNode, data: string | Uint8Array, opts: NodeOptions = {}): Promise<number> {
    if (node === 'ctl') {
      await this.tracer.ctl(pid, parseCtl(data), opts.tid);
      return typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
    }
    try {
      return this.writeNow(pid, node, data, opts);
    } catch (e) {
      throw this.tracer.diedUnder(pid, node, e);
    }
  }

  private writeNow(pid: number, node: ControlNode, data: string | Uint8Array, opts: NodeOptions): number {
    const len = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
    switch (node) {
      case 'note':
      case 'notepg':
        deliverNote(pid, node, data);
        return len;
      case 'regs':
      case 'fpregs': {
        const size = node === 'regs' ? LINUX_X86_64.size : FPREGS_SIZE;
        const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
        const off = Number(opts.offset ?? 0n);
        if (off < 0 || off + bytes.byteLength > size) {
          throw new ProcfsError('EINVAL', `${pid}/${node}: write of ${bytes.byteLength} bytes at ${off} exceeds the ${size}-byte struct`, pid, node);
        }
        const tid = this.tracer.stoppedThread(pid, node, opts.tid);
        if (node === 'regs') this.tracer.forgetRegs();
        if (off === 0 && bytes.byteLength === size) {
          if (node === 'regs') P.setRegs(tid, bytes);
          else P.setFpRegs(tid, bytes);
          return size;
        }
        if (node === 'regs') P.getRegs(tid, this.rmw);
        else P.getFpRegs(tid, this.rmw);
        this.rmw.set(bytes, off);
        if (node === 'regs') P.setRegs(tid, this.rmw);
        else P.setFpRegs(tid, this.rmw);
        return bytes.byteLength;
      }
      case 'mem': {
        const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
        const planted = this.tracer.planted(pid);
        return this.withMem(pid, (fd) => (planted ? planted.write(fd, pid, opts.offset ?? 0n, bytes) : writeMem(fd, pid, opts.offset ?? 0n, bytes)));
      }
      default:
        throw new ProcfsError('EOPNOTSUPP', `${pid}/${node}: read-only node`, pid, node);
    }
  }

  /**
   * ProcFs.stepLoop (tracer.ts runs it). The why line and the registers are this source's own
   * buffers, valid until its next stepLoop: the engine copies them at once.
   */
  async stepLoop(pid: number, req: StepLoopRequest): Promise<StepLoopResult> {
    const r = await this.tracer.stepLoop(pid, req, this.loopRegs);
    if (r.error !== undefined) {
      const e = r.error instanceof ProcfsError ? r.error : new ProcfsError('EIO', (r.error as Error).message, pid, 'ctl');
      return { done: r.done, error: { code: String(e.code), message: e.message } };
    }
    const why = this.whyBytes(pid);
    return { done: r.done, last: r.regs ? { why, regs: this.loopRegs } : { why } };
  }

  private readonly loopRegs = Buffer.alloc(LINUX_X86_64.size);

  /**
   * The `why` line as bytes, encoded once per stop: an engine reads it after every wait (twice
   * per breakpoint round trip), and formatting it each time cost ~5% of the round trip.
   */
  private whyBytes(pid: number): Buffer {
    const w = this.why(pid);
    if (w !== this.lastWhy) {
      this.lastWhy = w;
      this.lastWhyLine = Buffer.from(`${formatWhy(w)}\n`, 'latin1');
    }
    return this.lastWhyLine;
  }

  private lastWhy: Why | null = null;
  private lastWhyLine = Buffer.alloc(0);

  /** The traced target's state; `untraced` for a live process we never attached. */
  why(pid: number): Why {
    return this.tracer.why(pid);
  }

  /** Thread ids this source traces in `pid` (empty when not traced). */
  threads(pid: number): number[] {
    return this.tracer.threads(pid);
  }

  isTraced(pid: number): boolean {
    return this.tracer.isTraced(pid);
  }

  /** Detaches every target this source traces, synchronously (safe inside process 'exit'). */
  releaseAllSync(leaveStopped?: ReadonlySet<number>): void {
    this.tracer.releaseAllSync(leaveStopped);
    for (const fd of this.readFds.values()) closeMem(fd);
    this.readFds.clear();
  }

  async close(): Promise<void> {
    this.releaseAllSync();
  }

  /**
   * A `mem` read, synchronously, errors mapped as readInto maps them: the live source's fast
   * path (index.ts), so a dump's 4 KiB read costs one pread and a resolved promise.
   */
  readMemSync(pid: number, into: Uint8Array, opts: NodeOptions): number {
    try {
      return this.readMemNow(pid, into, opts);
    } catch (e) {
      throw this.tracer.diedUnder(pid, 'mem', e);
    }
  }

  private readMemNow(pid: number, into: Uint8Array, opts: NodeOptions): number {
    const addr = opts.offset ?? 0n;
    const len = opts.length === undefined || opts.length > into.byteLength ? into.byteLength : opts.length;
    const traced = this.tracer.memFd(pid);
    if (traced !== undefined) return readMem(traced, pid, addr, into, len);
    const cached = this.readFds.get(pid);
    if (cached !== undefined) {
      try {
        return readMem(cached, pid, addr, into, len);
      } catch (e) {
        // An fd outlives the address space it was opened on: after an exec, or when the pid
        // was reused, it reads EOF (ESRCH from readMem), never stale data. Reopen once.
        if (!(e instanceof ProcfsError) || e.code !== 'ESRCH') throw e;
        this.readFds.delete(pid);
        closeMem(cached);
      }
    }
    const fd = openMem(this.procRoot, pid);
    if (this.readFds.size >= 8) {
      const [oldPid, oldFd] = this.readFds.entries().next().value as [number, number];
      this.readFds.delete(oldPid);
      closeMem(oldFd);
    }
    this.readFds.set(pid, fd);
    return readMem(fd, pid, addr, into, len);
  }

  private withMem<T>(pid: number, fn: (fd: number) => T): T {
    const fd = this.tracer.memFd(pid);
    if (fd !== undefined) return fn(fd);
    const own = openMem(this.procRoot, pid);
    try {
      return fn(own);
    } finally {
      closeMem(own);
    }
  }
}
