/**
 * How a step, a resume and an emulated instruction reach the source, chosen once from what the
 * source declares (`capabilities.transport`, source.ts), never by testing which optional methods
 * it has: a source may implement `stepLoop` for its servers and still want to be driven op by op.
 *
 * - `per-op`: the four calls as they are (ctl step, ctl wait, why), nothing allocated per step.
 * - `step-loop`: the live source's own loop runs a step, its why and its regs in one call.
 * - `batched`: a remote source: one round trip per step or resume; stepN by chunks of its loop.
 */
import { ProcfsError } from '../procfs/errors.js';
import type { BatchOp, ProcFs, StepLoopRequest, StepLoopResult, Transport as Declared } from '../procfs/source.js';
import type { Slot } from './thread-regs.js';

/** A step or a resume sent and waited for: the why line's length in the core's buffer, or the failure of the word or wait. */
export type Sent = { readonly ok: true; readonly whyLen: number; readonly regsRead: number } | { readonly ok: false; readonly error: unknown };

/** An emulated instruction's writes: done, or which one was refused. */
export type Written = 'ok' | { readonly failed: 'mem' | 'regs'; readonly error: unknown };

/** What a transport fills: the why line and a step's registers. */
export interface TransportBuffers {
  readonly fs: ProcFs;
  readonly pid: number;
  readonly whyBuf: Buffer;
  readonly stepRegs: Buffer;
}

export interface Transport {
  readonly kind: Declared;
  /** stepN runs over the source's own step loop (by chunks) rather than step by step. */
  readonly loops: boolean;
  /** One step of one thread, waited for; its why (and for some transports its regs) read. */
  step(b: TransportBuffers, slot: Slot): Promise<Sent>;
  /** Resumes every thread with `word` and waits; the why line read. */
  resume(b: TransportBuffers, word: string): Promise<Sent>;
  /** A stack write (if any), then the registers: the registers are not written when the stack was not. */
  writeEmulated(b: TransportBuffers, slot: Slot, regs: Buffer, mem: { addr: bigint; data: Uint8Array } | undefined): Promise<Written>;
  /** Up to `req.count` steps run by the source (only when `loops`). */
  loop(b: TransportBuffers, req: StepLoopRequest): Promise<StepLoopResult>;
}

const NO_STOPS: readonly bigint[] = [];

/** The transport a source declares (absent: `per-op`). */
export function transportOf(fs: ProcFs): Transport {
  const kind = fs.capabilities.transport ?? 'per-op';
  switch (kind) {
    case 'per-op':
      return perOp;
    case 'step-loop':
      return stepLoop;
    case 'batched':
      return batched;
  }
}

function needs<T>(fn: T | undefined, what: string, kind: Declared): T {
  if (fn === undefined) throw new ProcfsError('EOPNOTSUPP', `a source declaring transport '${kind}' has no ${what}`);
  return fn;
}

async function waitFor(b: TransportBuffers, word: string, opts?: Slot['opts']): Promise<Sent> {
  try {
    await b.fs.write(b.pid, 'ctl', word, opts);
    await b.fs.write(b.pid, 'ctl', 'wait');
  } catch (error) {
    return { ok: false, error };
  }
  return { ok: true, whyLen: await b.fs.readInto(b.pid, 'why', b.whyBuf), regsRead: -1 };
}

async function writeOneByOne(b: TransportBuffers, slot: Slot, regs: Buffer, mem: { addr: bigint; data: Uint8Array } | undefined): Promise<Written> {
  if (mem) {
    try {
      await b.fs.write(b.pid, 'mem', mem.data, { offset: mem.addr });
    } catch (error) {
      return { failed: 'mem', error };
    }
  }
  try {
    await b.fs.write(b.pid, 'regs', regs, slot.opts);
  } catch (error) {
    return { failed: 'regs', error };
  }
  return 'ok';
}

function noLoop(): Promise<StepLoopResult> {
  return Promise.reject(new ProcfsError('EOPNOTSUPP', 'this source runs no step loop'));
}

const perOp: Transport = {
  kind: 'per-op',
  loops: false,
  step: (b, slot) => waitFor(b, 'step', slot.opts),
  resume: (b, word) => waitFor(b, word),
  writeEmulated: writeOneByOne,
  loop: noLoop,
};

const stepLoop: Transport = {
  kind: 'step-loop',
  loops: true,
  // Step, wait, why and regs in one call of the source's loop, for one step.
  step: async (b, slot) => fromLoop(b, await stepLoop.loop(b, { tid: slot.tid, count: 1, stopAt: NO_STOPS })),
  resume: (b, word) => waitFor(b, word),
  writeEmulated: writeOneByOne,
  loop: (b, req) => needs(b.fs.stepLoop, 'stepLoop', 'step-loop').call(b.fs, b.pid, req),
};

const batched: Transport = {
  kind: 'batched',
  loops: true,
  step: async (b, slot) => {
    const [step, wait, why, regs] = await batch(b, [
      { op: 'write', pid: b.pid, node: 'ctl', data: 'step', opts: slot.opts },
      { op: 'write', pid: b.pid, node: 'ctl', data: 'wait' },
      { op: 'readInto', pid: b.pid, node: 'why', into: b.whyBuf },
      { op: 'readInto', pid: b.pid, node: 'regs', into: b.stepRegs, opts: slot.opts },
    ]);
    if (!step!.ok) return { ok: false, error: step!.error };
    if (!wait!.ok) return { ok: false, error: wait!.error };
    if (!why!.ok) throw why!.error;
    return { ok: true, whyLen: why!.value, regsRead: regs!.ok ? regs!.value : -1 };
  },
  // One batch: a remote source sends the resume, the wait and the why read in one burst.
  resume: async (b, word) => {
    const [run, wait, why] = await batch(b, [
      { op: 'write', pid: b.pid, node: 'ctl', data: word },
      { op: 'write', pid: b.pid, node: 'ctl', data: 'wait' },
      { op: 'readInto', pid: b.pid, node: 'why', into: b.whyBuf },
    ]);
    if (!run!.ok) return { ok: false, error: run!.error };
    if (!wait!.ok) return { ok: false, error: wait!.error };
    if (!why!.ok) throw why!.error;
    return { ok: true, whyLen: why!.value, regsRead: -1 };
  },
  // One round trip; the batch ends at a failed write, so the regs are not written when the stack was not.
  writeEmulated: async (b, slot, regs, mem) => {
    const ops: BatchOp[] = [{ op: 'write', pid: b.pid, node: 'regs', data: regs, opts: slot.opts }];
    if (mem) ops.unshift({ op: 'write', pid: b.pid, node: 'mem', data: mem.data, opts: { offset: mem.addr } });
    const results = await batch(b, ops);
    const failed = results.find((r) => !r.ok);
    if (!failed || failed.ok) return 'ok';
    return { failed: mem && !results[0]!.ok ? 'mem' : 'regs', error: failed.error };
  },
  loop: (b, req) => needs(b.fs.stepLoop, 'stepLoop', 'batched').call(b.fs, b.pid, req),
};

function batch(b: TransportBuffers, ops: readonly BatchOp[]) {
  return needs(b.fs.batch, 'batch', 'batched').call(b.fs, ops);
}

/**
 * A source loop's last step as a single step's outcome: its why and regs copied into the
 * session's buffers; a failure (the target died) as the failed word.
 */
export function fromLoop(b: TransportBuffers, r: StepLoopResult): Sent {
  if (r.error || !r.last) {
    return { ok: false, error: new ProcfsError((r.error?.code ?? 'EIO') as ProcfsError['code'], r.error?.message ?? 'step loop ended without a step', b.pid, 'ctl') };
  }
  const whyLen = r.last.why.copy(b.whyBuf, 0, 0, Math.min(r.last.why.length, b.whyBuf.length));
  const regsRead = r.last.regs ? r.last.regs.copy(b.stepRegs, 0, 0, Math.min(r.last.regs.length, b.stepRegs.length)) : -1;
  return { ok: true, whyLen, regsRead };
}
