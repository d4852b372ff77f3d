/**
 * The engine drives a source by the transport the source declares (capabilities.transport),
 * never by testing which optional methods it has: a source that implements `stepLoop` and
 * `batch` (for its own servers, say) but declares `per-op` is driven op by op. No root: the fake.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Session } from '../src/engine/session.js';
import { runSequentially } from '../src/procfs/batch.js';
import type { BatchOp, BatchResult, SourceCapabilities, StepLoopRequest, StepLoopResult, Transport } from '../src/procfs/source.js';
import { FakeProcFs } from '../src/procfs/sources/fake.js';
import { CODE, spinner } from '../src/procfs/sources/fake/programs.js';
import { runStepLoop } from '../src/procfs/step-loop.js';
import { releaseSessions } from './helpers/cleanup.js';

const sessions: Session[] = [];
afterEach(() => releaseSessions(sessions));

/** The fake with both optional methods, counted, declaring `transport`. */
class Declaring extends FakeProcFs {
  override readonly capabilities: SourceCapabilities;
  loops = 0;
  batches = 0;

  constructor(transport: Transport | undefined) {
    super();
    this.capabilities = transport === undefined ? {} : { transport };
  }

  stepLoop(pid: number, req: StepLoopRequest): Promise<StepLoopResult> {
    this.loops++;
    return runStepLoop(this, pid, req);
  }

  batch(ops: readonly BatchOp[]): Promise<BatchResult[]> {
    this.batches++;
    return runSequentially(this, ops);
  }
}

async function stepped(transport: Transport | undefined, steps: number) {
  const fs = new Declaring(transport);
  const pid = fs.add(spinner());
  const s = await Session.attach(fs, pid);
  sessions.push(s);
  const bp = await s.break(CODE + 2n);
  const hit = await s.cont();
  const single = await s.step();
  const many = await s.stepN(steps);
  await s.delete(bp.id);
  // One plain step (the step off the breakpoint above was emulated: no step at all).
  const before = { loops: fs.loops, batches: fs.batches };
  const last = await s.step();
  return { fs, hit, single, many, last, before };
}

describe('the engine uses the transport a source declares', () => {
  it('per-op: neither stepLoop nor batch is called, though the source has both', async () => {
    const { fs, hit, single, many } = await stepped('per-op', 50);
    expect(hit).toMatchObject({ kind: 'breakpoint', pc: CODE + 2n });
    expect(single).toMatchObject({ kind: 'step', pc: CODE + 3n });
    expect(many.kind).not.toBe('exited');
    expect({ loops: fs.loops, batches: fs.batches }).toEqual({ loops: 0, batches: 0 });
  });

  it('nothing declared is per-op', async () => {
    const { fs } = await stepped(undefined, 50);
    expect({ loops: fs.loops, batches: fs.batches }).toEqual({ loops: 0, batches: 0 });
  });

  it('step-loop: a single step and many steps go through stepLoop, never batch', async () => {
    const { fs, single, many, last, before } = await stepped('step-loop', 50);
    expect(single).toMatchObject({ kind: 'step', pc: CODE + 3n });
    expect(many.kind).not.toBe('exited');
    expect(last.kind).toBe('step');
    expect(before.loops).toBeGreaterThanOrEqual(1);
    expect(fs.loops).toBe(before.loops + 1);
    expect(fs.batches).toBe(0);
  });

  it('batched: a resume and a single step are batches, many steps a stepLoop', async () => {
    const { fs, single, before } = await stepped('batched', 50);
    expect(single).toMatchObject({ kind: 'step', pc: CODE + 3n });
    expect(before.batches).toBeGreaterThanOrEqual(1);
    expect(before.loops).toBeGreaterThanOrEqual(1);
    expect(fs.batches).toBe(before.batches + 1);
    expect(fs.loops).toBe(before.loops);
  });

  it('a source declaring a transport it lacks the method for is refused clearly, not probed', async () => {
    const fs = new FakeProcFs();
    Object.defineProperty(fs, 'capabilities', { value: { transport: 'step-loop' } });
    const pid = fs.add(spinner());
    const s = await Session.attach(fs, pid);
    sessions.push(s);
    await expect(s.step()).rejects.toMatchObject({ code: 'EOPNOTSUPP' });
  });
});
