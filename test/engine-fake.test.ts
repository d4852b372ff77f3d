import { afterEach, describe, expect, it } from 'vitest';
import { rawPolicy, Session } from '../src/engine/session.js';
import { FakeProcFs } from '../src/procfs/sources/fake.js';
import { CODE, spinner, straightLine } from '../src/procfs/sources/fake/programs.js';
import { releaseSessions } from './helpers/cleanup.js';

// The engine over the fake source: no root, no process, no ptrace. What the live tests check
// with real targets (breakpoints, stepping, release, the signal policy), here in milliseconds.
const sessions: Session[] = [];
afterEach(() => releaseSessions(sessions));

async function attach(fs: FakeProcFs, pid: number, opts: Parameters<typeof Session.attach>[2] = {}): Promise<Session> {
  const s = await Session.attach(fs, pid, opts);
  sessions.push(s);
  return s;
}

/** Lets a cont() in flight reach its `wait` (the fake runs a `run` at once, then waits). */
const settle = () => new Promise<void>((r) => setImmediate(r));

/** A spinner attached and continued: the cont() in flight has reached its wait. */
async function continued(opts: Parameters<typeof Session.attach>[2] = {}) {
  const fs = new FakeProcFs();
  const pid = fs.add(spinner());
  const s = await attach(fs, pid, opts);
  const run = s.cont();
  await settle();
  return { fs, pid, s, run };
}

describe('the engine on the fake source', () => {
  it('attaches with every thread stopped at its own pc', async () => {
    const fs = new FakeProcFs();
    const pid = fs.add(spinner());
    const s = await attach(fs, pid);
    expect(s.state).toBe('stopped');
    expect(s.lastStop).toMatchObject({ kind: 'attached', tid: pid, pc: CODE });
    expect(fs.stateOf(pid)).toBe('traced');
    const threads = await s.threads();
    expect(threads.map((t) => t.pc)).toEqual([CODE, CODE + 0x10n]);
  });

  it('a breakpoint hit rewinds the pc, hides its byte, steps off and hits again; detach restores the byte', async () => {
    const fs = new FakeProcFs();
    const pid = fs.add(spinner());
    const s = await attach(fs, pid);
    const at = CODE + 2n;
    const bp = await s.break(at);
    expect(fs.peek(pid, at, 1)[0]).toBe(0xcc);
    expect((await s.readMem(at, 1))[0]).toBe(0x90);

    const ev = await s.cont();
    expect(ev).toMatchObject({ kind: 'breakpoint', id: bp.id, tid: pid, pc: at });
    expect(await s.reg('rip')).toBe(at);

    const st = await s.step();
    expect(st).toMatchObject({ kind: 'step', pc: at + 1n });
    expect(fs.peek(pid, at, 1)[0]).toBe(0xcc);

    expect(await s.cont()).toMatchObject({ kind: 'breakpoint', id: bp.id, pc: at });
    await s.detach();
    expect(fs.peek(pid, at, 1)[0]).toBe(0x90);
    expect(fs.stateOf(pid)).toBe('running');
    expect((await fs.read(pid, 'why')).toString()).toBe('detached\n');
  });

  it('steps one thread while the other stays; stepN runs the loop', async () => {
    const fs = new FakeProcFs();
    const pid = fs.add(spinner());
    const s = await attach(fs, pid);
    const other = pid + 1;
    expect(await s.step(other)).toMatchObject({ kind: 'step', tid: other, pc: CODE + 0x11n });
    expect(await s.reg('rip', pid)).toBe(CODE);
    // nop nop nop jmp: four steps come back to the start.
    expect(await s.stepN(4, pid)).toMatchObject({ kind: 'step', pc: CODE });
  });

  it('reports the exit as an event; the session is then exited', async () => {
    const fs = new FakeProcFs();
    const pid = fs.add(straightLine(5, 7));
    const s = await attach(fs, pid);
    expect(await s.cont()).toMatchObject({ kind: 'exited', code: 7 });
    expect(s.state).toBe('exited');
    expect(fs.stateOf(pid)).toBe('gone');
  });

  it('interrupt stops a running cont at an instruction boundary', async () => {
    const { fs, pid, s, run } = await continued();
    expect(s.state).toBe('running');
    const ev = await s.interrupt();
    expect(ev).toMatchObject({ kind: 'interrupted' });
    expect(await run).toBe(ev);
  });
});

describe('SessionPolicy on the fake source', () => {
  it('gdb policy (default): SIGWINCH is passed silently, cont runs on', async () => {
    const { fs, pid, s, run } = await continued();
    await fs.write(pid, 'note', 'winch');
    await settle();
    expect(s.state).toBe('running');
    expect(await s.interrupt()).toMatchObject({ kind: 'interrupted' });
    await run;
  });

  it('raw policy: SIGWINCH is a stop like any other', async () => {
    const { fs, pid, s, run } = await continued({ policy: rawPolicy });
    await fs.write(pid, 'note', 'winch');
    expect(await run).toMatchObject({ kind: 'signal', signal: 'winch' });
  });

  it('gdb policy: a signal stopped on and not passed is queued again on detach (usr1 then ends the target)', async () => {
    const { fs, pid, s, run } = await continued();
    await fs.write(pid, 'note', 'usr1');
    expect(await run).toMatchObject({ kind: 'signal', signal: 'usr1' });
    await s.detach();
    expect(fs.stateOf(pid)).toBe('gone');
  });

  it('raw policy: nothing is re-queued on detach, and cont delivers no signal by itself', async () => {
    const fs = new FakeProcFs();
    const pid = fs.add(spinner());
    const s = await attach(fs, pid, { policy: rawPolicy });
    let run = s.cont();
    await settle();
    await fs.write(pid, 'note', 'usr1');
    expect(await run).toMatchObject({ kind: 'signal', signal: 'usr1' });
    // gdb would pass usr1 here and the target would die of it; raw resumes with no signal.
    run = s.cont();
    await settle();
    expect(fs.stateOf(pid)).toBe('traced');
    await s.interrupt();
    await run;
    await s.detach();
    expect(fs.stateOf(pid)).toBe('running');
  });

  it('gdb policy: cont passes the signal it stopped on (usr1 ends the target)', async () => {
    const { fs, pid, s, run } = await continued();
    await fs.write(pid, 'note', 'usr1');
    await run;
    expect(await s.cont()).toMatchObject({ kind: 'killed', signal: 'usr1' });
  });
});
