import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProcfsError } from '../src/procfs/errors.js';
import type { ProcFs } from '../src/procfs/source.js';
import { openProcFs } from '../src/procfs/sources/open.js';
import { spawnStopped } from '../src/procfs/sources/linux/spawn.js';
import { Session } from '../src/engine/session.js';
import { liveOk } from './helpers/root.js';
import { buildTarget, killAll, procState, rawMem } from './helpers/targets.js';
import { killPids, releaseSessions } from './helpers/cleanup.js';

const dir = mkdtempSync(join(tmpdir(), 'pdbg-session-'));
let fs: ProcFs;
const launched: number[] = [];
const open: Session[] = [];

async function launch(name: string, args: string[] = []): Promise<{ s: Session; out: string }> {
  const out = join(dir, `${name}-${launched.length}.out`);
  const s = await Session.launch(fs, [buildTarget(name), ...args], { stdout: out, stderr: 'ignore', stdin: 'ignore' });
  launched.push(s.pid);
  open.push(s);
  return { s, out };
}

/**
 * A running target that is not this process's child (the tracer refuses those: Node's reaper
 * would take their ptrace stops): through the launcher's stopper, then SIGCONT.
 */
async function startLoose(name: string, args: string[] = []) {
  const out = join(dir, `${name}-loose-${launched.length}.out`);
  const pid = await spawnStopped([buildTarget(name), ...args], { stdout: out, stderr: 'ignore', stdin: 'ignore' });
  launched.push(pid);
  // The stopper says its pid just before it stops itself: continue it only once it has.
  await waitUntil(() => procState(pid).state === 'T');
  process.kill(pid, 'SIGCONT');
  const stdout = () => {
    try {
      return readFileSync(out, 'utf8');
    } catch {
      return '';
    }
  };
  const waitFor = async (re: RegExp) => {
    await waitUntil(() => re.test(stdout()), 10_000);
  };
  return { pid, stdout, waitFor };
}

async function attach(pid: number): Promise<Session> {
  const s = await Session.attach(fs, pid);
  open.push(s);
  return s;
}


const waitUntil = async (cond: () => boolean, ms = 5000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe.skipIf(!liveOk('session'))('Session over the live source', () => {
  beforeAll(async () => {
    fs = await openProcFs();
  });
  afterEach(async () => {
    await releaseSessions(open);
    killPids(launched);
    killAll();
  });
  afterAll(async () => {
    await fs?.close();
  });

  it('launches stopped at the first instruction of the new image', async () => {
    const { s, out } = await launch('breakme', ['2']);
    expect(s.lastStop.kind).toBe('exec');
    expect(s.state).toBe('stopped');
    expect(procState(s.pid).tracerPid).toBe(process.pid);
    // Nothing of main ran yet.
    expect(readFileSync(out, 'utf8')).toBe('');
    const pc = await s.pc();
    await s.loadSymbols();
    // The first instruction is the dynamic loader's entry, not anything in the executable.
    expect(s.describe(pc)).not.toMatch(/main/);
  });

  it('breaks on a function, fixes the pc up, steps off correctly and hits again', async () => {
    const { s, out } = await launch('breakme', ['3']);
    const addr = await s.resolve('target_fn');
    const before = await s.readMem(addr, 4);
    const bp = await s.break('target_fn');
    expect(bp.addr).toBe(addr);
    // Planted in the target, hidden from readers.
    expect(rawMem(s.pid, addr, 1)[0]).toBe(0xcc);
    expect(await s.readMem(addr, 4)).toEqual(before);

    for (let i = 0; i < 3; i++) {
      const ev = await s.cont();
      expect(ev).toMatchObject({ kind: 'breakpoint', id: bp.id, pc: addr, tid: s.pid });
      expect(await s.pc()).toBe(addr);
      // rdi holds the loop index: the breakpoint really is at each call.
      expect(await s.reg('rdi')).toBe(BigInt(i));
      const st = await s.step();
      expect(st.kind).toBe('step');
      expect(await s.pc()).toBeGreaterThan(addr);
      // Re-planted after the step off.
      expect(rawMem(s.pid, addr, 1)[0]).toBe(0xcc);
    }
    expect(s.breakpoints()[0]!.hits).toBe(3);
    await s.delete(bp.id);
    expect(rawMem(s.pid, addr, 4)).toEqual(before);
    const end = await s.cont();
    expect(end).toEqual({ kind: 'exited', code: 0 });
    // The original instructions ran each time: the results are right.
    expect(readFileSync(out, 'utf8')).toContain('call 0 -> 1\ncall 1 -> 3\ncall 2 -> 5\ntotal 9');
  });

  it('temporary breakpoints and runUntil leave no breakpoint behind', async () => {
    const { s, out } = await launch('breakme', ['4']);
    const t = await s.break('target_fn', { temporary: true });
    const ev = await s.cont();
    expect(ev).toMatchObject({ kind: 'breakpoint', id: t.id, temporary: true });
    expect(s.breakpoints()).toEqual([]);
    const done = await s.resolve('done_fn');
    const ev2 = await s.runUntil('done_fn');
    expect(ev2).toMatchObject({ kind: 'breakpoint', pc: done });
    expect(s.breakpoints()).toEqual([]);
    expect(rawMem(s.pid, done, 1)[0]).not.toBe(0xcc);
    expect(readFileSync(out, 'utf8')).toContain('call 3 -> 7');
    expect(await s.cont()).toEqual({ kind: 'exited', code: 0 });
  });

  it('register and memory edits change what the program computes', async () => {
    const { s, out } = await launch('breakme', ['2']);
    await s.break('target_fn');
    await s.cont();
    await s.setReg('rdi', 100n);
    expect(await s.reg('rdi')).toBe(100n);
    await s.detach();
    await waitUntil(() => readFileSync(out, 'utf8').includes('total'));
    expect(readFileSync(out, 'utf8')).toContain('call 0 -> 201');

    const w = await launch('writer');
    await w.s.runUntil('checkpoint');
    const value = await w.s.resolve('value');
    expect((await w.s.readMem(value, 8)).readBigInt64LE()).toBe(42n);
    await w.s.writeMem(value, Buffer.from('0700000000000000', 'hex'));
    expect(await w.s.cont()).toEqual({ kind: 'exited', code: 0 });
    expect(readFileSync(w.out, 'utf8')).toContain('value=7 got=7');
  });

  it('reports the exit code and the killing signal as events; later commands say it exited', async () => {
    const a = await launch('exiter', ['3']);
    expect(await a.s.cont()).toEqual({ kind: 'exited', code: 3 });
    expect(a.s.state).toBe('exited');
    await expect(a.s.step()).rejects.toThrow(`process ${a.s.pid} exited (code 3)`);
    await expect(a.s.regs()).rejects.toBeInstanceOf(ProcfsError);

    const b = await launch('exiter', ['0', 'segv']);
    expect(await b.s.cont()).toMatchObject({ kind: 'signal', signal: 'segv' });
    expect(await b.s.cont()).toEqual({ kind: 'killed', signal: 'segv' });
  });

  it('stepping into the exit reports it', async () => {
    const { s } = await launch('exiter', ['5']);
    await s.runUntil('before_exit');
    const ev = await s.stepN(100000);
    expect(ev).toEqual({ kind: 'exited', code: 5 });
  });

  it('passes a signal on when continuing, and interrupts a running target', async () => {
    const t = await startLoose('sighandler');
    await t.waitFor(/ready/);
    const s = await attach(t.pid);
    await s.note('usr1');
    const ev = await s.cont();
    expect(ev).toMatchObject({ kind: 'signal', signal: 'usr1' });
    const running = s.cont();
    await t.waitFor(/usr1 1/);
    expect(s.state).toBe('running');
    const stop = await s.interrupt();
    expect(stop.kind).toBe('interrupted');
    expect(await running).toBe(stop);
    expect(s.state).toBe('stopped');
    await s.detach();
    expect(procState(t.pid).tracerPid).toBe(0);
  });

  it('multi-threaded targets are all-stop; step moves the chosen thread only', async () => {
    const t = await startLoose('threads', ['3']);
    await t.waitFor(/ready/);
    const s = await attach(t.pid);
    const threads = await s.threads();
    expect(threads.length).toBe(4);
    expect(threads.every((th) => th.state === 'stopped' && th.pc !== undefined)).toBe(true);
    expect(threads.filter((th) => th.current).length).toBe(1);
    await s.loadSymbols();
    const counters = await s.resolve('counters');
    const snap1 = await s.readMem(counters, 24);
    await new Promise((r) => setTimeout(r, 50));
    expect(await s.readMem(counters, 24)).toEqual(snap1); // nobody runs while stopped

    const bp = await s.break('worker_tick');
    const ev = await s.cont();
    expect(ev).toMatchObject({ kind: 'breakpoint', id: bp.id });
    const hitTid = (ev as { tid: number }).tid;
    expect(hitTid).not.toBe(t.pid);
    expect(s.current).toBe(hitTid);
    const pcsBefore = new Map((await s.threads()).map((th) => [th.tid, th.pc]));
    await s.step(hitTid);
    const after = await s.threads();
    for (const th of after) {
      if (th.tid === hitTid) expect(th.pc).not.toBe(pcsBefore.get(th.tid));
      else expect(th.pc).toBe(pcsBefore.get(th.tid));
    }
    await s.delete(bp.id);
    await s.detach();
    const snap2 = await readCounters(t.pid, counters);
    await new Promise((r) => setTimeout(r, 100));
    const snap3 = await readCounters(t.pid, counters);
    for (let i = 0; i < 3; i++) expect(snap3[i]).toBeGreaterThan(snap2[i]!);
  });

  it('detach lifts every breakpoint byte and the target runs on unchanged', async () => {
    const t = await startLoose('breakme', ['1000000', '1']);
    await t.waitFor(/call 2 /);
    const s = await attach(t.pid);
    const a = await s.resolve('target_fn');
    const d = await s.resolve('done_fn');
    const before = [rawMem(t.pid, a, 1)[0], rawMem(t.pid, d, 1)[0]];
    await s.break(a);
    await s.break(d, { temporary: true });
    await s.cont(); // stops on target_fn: the thread sits on a breakpoint when we detach
    await s.detach();
    expect([rawMem(t.pid, a, 1)[0], rawMem(t.pid, d, 1)[0]]).toEqual(before);
    const n = t.stdout().length;
    await waitUntil(() => t.stdout().length > n + 30);
    expect(procState(t.pid)).toMatchObject({ tracerPid: 0 });
    const lines = t.stdout().trim().split('\n').filter((l) => l.startsWith('call'));
    for (const l of lines.slice(-3)) {
      const [, i, r] = /call (\d+) -> (\d+)/.exec(l)!;
      expect(Number(r)).toBe(2 * Number(i) + 1);
    }
  });

  it('continue passes SIGCHLD on silently (gdb: nostop noprint pass) and stops at the breakpoint', async () => {
    const { s, out } = await launch('chldloop');
    await s.break('after_children');
    const ev = await s.cont();
    expect(ev).toMatchObject({ kind: 'breakpoint' });
    expect(s.describe(ev.kind === 'breakpoint' ? ev.pc : 0n)).toMatch(/after_children/);
    // Each SIGCHLD was delivered, not swallowed: the program reaped all five children.
    expect(await s.cont()).toEqual({ kind: 'exited', code: 0 });
    expect(readFileSync(out, 'utf8')).toContain('reaped 5');
  });

  it('a library symbol at the exec stop is pending, planted when the dynamic linker has loaded libc', async () => {
    const out = join(dir, 'sh-write.out');
    const s = await Session.launch(fs, ['/bin/sh', '-c', 'echo hello; echo world'], { stdout: out, stderr: 'ignore', stdin: 'ignore' });
    launched.push(s.pid);
    open.push(s);
    const seen: string[] = [];
    const said: string[] = [];
    s.onStop((e) => seen.push(e.kind));
    s.onMessage((m) => said.push(m));
    // Without `pending` the unknown name is refused, as before.
    await expect(s.break('write')).rejects.toMatchObject({ code: 'ENOENT' });
    const bp = await s.break('write', { pending: true });
    expect(bp).not.toHaveProperty('addr');
    expect(s.pendingBreakpoints()).toEqual([{ id: bp.id, spec: 'write', temporary: false }]);
    expect(seen).toEqual([]); // nothing ran to get there
    const hit = await s.cont();
    expect(hit).toMatchObject({ kind: 'breakpoint', id: bp.id });
    expect(s.describe((hit as { pc: bigint }).pc)).toMatch(/<write>/);
    expect(said.some((m) => m.startsWith(`breakpoint ${bp.id} (write) planted at`))).toBe(true);
    expect(seen).toEqual(['breakpoint']); // the dynamic linker's hook stops are not reported
    expect(s.pendingBreakpoints()).toEqual([]);
    expect(await s.cont()).toMatchObject({ kind: 'breakpoint', id: bp.id });
    expect(await s.cont()).toEqual({ kind: 'exited', code: 0 });
    expect(readFileSync(out, 'utf8')).toBe('hello\nworld\n');
  });

  it('a symbol that exists nowhere is still a clear ENOENT after the libraries are loaded', async () => {
    const { s } = await launch('counter');
    await expect(s.break('no_such_function_anywhere')).rejects.toThrow(/no symbol 'no_such_function_anywhere'/);
  });

  it('attaching to a pid that does not exist is ESRCH', async () => {
    await expect(Session.attach(fs, 999_999_999)).rejects.toMatchObject({ code: 'ESRCH' });
  });
});

async function readCounters(pid: number, addr: bigint): Promise<bigint[]> {
  const b = rawMem(pid, addr, 24);
  return [b.readBigUInt64LE(0), b.readBigUInt64LE(8), b.readBigUInt64LE(16)];
}
