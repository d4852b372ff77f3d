/**
 * stepN through an agent runs the steps next to the target (ProcFs.stepLoop): one round trip a
 * chunk, not one a step, and exactly the steps a local stepN takes: the same instruction count,
 * the same stop at a breakpoint on the way, an interrupt ending it at an instruction boundary.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Session } from '../src/engine/session.js';
import type { ProcFs } from '../src/procfs/source.js';
import { LinuxProcFs } from '../src/procfs/sources/linux/index.js';
import { connectAgent } from '../src/remote/connect.js';
import type { RemoteProcFs } from '../src/remote/remote-procfs.js';
import { killPids, releaseSessions } from './helpers/cleanup.js';
import { pdbgBin } from './helpers/cli.js';
import { liveOk } from './helpers/root.js';
import { buildTarget } from './helpers/targets.js';

const sessions: Session[] = [];
const remotes: RemoteProcFs[] = [];
const pids: number[] = [];
const local = new LinuxProcFs();
afterEach(async () => {
  await releaseSessions(sessions);
  for (const r of remotes.splice(0)) await r.close();
  killPids(pids);
});
afterAll(() => local.close());

/** A fresh breakme started at its exec stop through `fs`, run to `where`: the same state every time. */
async function at(fs: ProcFs, where: string): Promise<Session> {
  const s = await Session.launch(fs, [buildTarget('breakme'), '1000000'], { stdin: 'ignore', stdout: 'ignore', stderr: 'ignore' });
  sessions.push(s);
  pids.push(s.pid);
  expect(await s.runUntil(where)).toMatchObject({ kind: 'breakpoint' });
  return s;
}

async function agent(): Promise<RemoteProcFs> {
  const r = await connectAgent([process.execPath, pdbgBin, 'serve', '--stdio'], { name: 'steploop' });
  remotes.push(r);
  return r;
}

describe.skipIf(!liveOk('step loop through an agent'))('step loop through an agent', () => {
  it('stepN(3000) through the agent lands where a local stepN(3000) does, in a few round trips', async () => {
    const remote = await agent();
    const far = await at(remote, 'target_fn');
    const near = await at(local, 'target_fn');
    const before = remote.stats().roundTrips;
    const a = await far.stepN(3000);
    const trips = remote.stats().roundTrips - before;
    const b = await near.stepN(3000);
    expect(a.kind).toBe('step');
    expect(b.kind).toBe('step');
    // Same program, same start: the same place after the same number of instructions.
    const place = async (s: Session, pc: bigint) => {
      const where = (await s.symbolTable())!.locate(pc);
      return `${where.module?.path} +0x${where.moduleOffset?.toString(16)}`;
    };
    expect(await place(far, (a as { pc: bigint }).pc)).toBe(await place(near, (b as { pc: bigint }).pc));
    expect(trips).toBeLessThan(20);
  });

  it('a breakpoint on the way ends the loop there, reported as a local stepN would', async () => {
    const remote = await agent();
    const far = await at(remote, 'main');
    const bp = await far.break('target_fn');
    const ev = await far.stepN(1_000_000);
    expect(ev).toMatchObject({ kind: 'breakpoint', id: bp.id });
    expect(far.describe((ev as { pc: bigint }).pc)).toMatch(/<target_fn>$/);
  });

  it('an interrupt ends a long stepN through the agent at an instruction boundary', async () => {
    const remote = await agent();
    const far = await at(remote, 'target_fn');
    await far.delete(1).catch(() => undefined);
    const run = far.stepN(50_000_000);
    await new Promise((r) => setTimeout(r, 300));
    const ev = await far.interrupt();
    expect(ev.kind).toBe('interrupted');
    expect(await run).toMatchObject({ kind: 'interrupted' });
    // Still steppable one by one afterwards.
    expect((await far.step()).kind).toBe('step');
  });
});
