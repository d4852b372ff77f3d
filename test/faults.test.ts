import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ProcFs } from '../src/procfs/source.js';
import { openProcFs } from '../src/procfs/sources/open.js';
import { Session } from '../src/engine/session.js';
import { isCleanError, pdbg, pdbgAsync, pdbgBin } from './helpers/cli.js';
import { liveOk } from './helpers/root.js';
import { buildTarget, procState, rawMem } from './helpers/targets.js';

const dir = mkdtempSync(join(tmpdir(), 'pdbg-faults-'));
const started: number[] = [];
const sessions: Session[] = [];
let fs: ProcFs;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
    await sleep(10);
  }
}

/** A running target that is not our child: `pdbg start` then `pdbg detach` (SIGCONT). */
function startRunning(name: string, args: string[] = []): { pid: number; out: () => string } {
  const file = join(dir, `${name}-${started.length}.out`);
  const r = pdbg(['start', '--stdout', file, '--', buildTarget(name), ...args]);
  const pid = Number(r.stdout.trim());
  expect(pid).toBeGreaterThan(0);
  started.push(pid);
  expect(pdbg(['detach', String(pid)]).status).toBe(0);
  return { pid, out: () => readFileSync(file, 'utf8') };
}


/** Runtime address of a symbol: nm's link address + the PIE base from maps. */
function symbolAddress(pid: number, path: string, name: string): bigint {
  const nm = spawnSync('nm', [path], { encoding: 'utf8' }).stdout;
  const link = BigInt(`0x${new RegExp(`^([0-9a-f]+) T ${name}$`, 'm').exec(nm)![1]}`);
  const maps = readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n');
  const first = maps.find((l) => l.endsWith(path))!;
  return BigInt(`0x${first.split('-')[0]}`) + link;
}

describe.skipIf(!liveOk('faults'))('faults: every failure is one line or a clean release', () => {
  beforeAll(async () => {
    fs = await openProcFs();
  });
  afterEach(async () => {
    for (const s of sessions.splice(0)) {
      try {
        await s.detach();
      } catch {
        s.releaseSync();
      }
    }
  });
  afterAll(async () => {
    for (const pid of started) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await fs?.close();
  });

  it('target killed while stepping: the step loop ends with the kill as its event', async () => {
    const t = startRunning('counter');
    await until(() => t.out().includes('ready'));
    const s = await Session.attach(fs, t.pid);
    sessions.push(s);
    const stepping = s.stepN(50_000_000);
    await sleep(100);
    process.kill(t.pid, 'SIGKILL');
    const ev = await stepping;
    expect(ev).toEqual({ kind: 'killed', signal: 'kill' });
    await expect(s.step()).rejects.toThrow(`process ${t.pid} was killed by signal kill`);
  });

  it('pdbg step on a target killed meanwhile: one line, non-zero', async () => {
    const t = startRunning('counter');
    await until(() => t.out().includes('ready'));
    const run = pdbgAsync(['step', String(t.pid), '-n', '100000000']);
    await until(() => procState(t.pid).tracerPid !== 0);
    await sleep(100);
    process.kill(t.pid, 'SIGKILL');
    const r = await run.done;
    expect(isCleanError(r)).toBe(true);
    expect(r.stderr).toBe(`pdbg: process ${t.pid} was killed by signal kill\n`);
  });

  it('attach to a pid that does not exist', () => {
    const r = pdbg(['regs', '999999999']);
    expect(isCleanError(r)).toBe(true);
    expect(r.stderr).toBe('pdbg: no process 999999999\n');
  });

  it('attach to a zombie', async () => {
    // `true` exits; its parent (exec'd into sleep) never reaps it.
    const parent = spawn('sh', ['-c', 'true & exec sleep 30'], { stdio: 'ignore' });
    started.push(parent.pid!);
    let zombie = 0;
    await until(() => {
      const kids = readFileSync(`/proc/${parent.pid}/task/${parent.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      zombie = kids.find((k) => procState(k).state === 'Z') ?? 0;
      return zombie !== 0;
    });
    const r = pdbg(['step', String(zombie)]);
    expect(isCleanError(r)).toBe(true);
    expect(r.stderr).toMatch(/zombie/);
    parent.kill('SIGKILL');
  });

  it('attach to a process already traced', async () => {
    const t = startRunning('counter');
    const s = await Session.attach(fs, t.pid);
    sessions.push(s);
    const r = pdbg(['regs', String(t.pid)]);
    expect(isCleanError(r)).toBe(true);
    // The tracer named, as detach names it (issue 18 §5).
    expect(r.stderr).toMatch(new RegExp(`^pdbg: pid ${t.pid} is traced by pid ${process.pid}( \\([^)]*\\))?\n$`));
    // Our session is untouched by the attempt.
    expect((await s.stepN(3)).kind).toBe('step');
  });

  it('attach as an unprivileged user (nobody)', () => {
    const t = startRunning('counter');
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, pdbgBin, 'regs', String(t.pid)], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    const res = { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
    expect(isCleanError(res), r.stderr).toBe(true);
    expect(r.stderr).toMatch(/permission denied|not permitted|EPERM/);
    expect(procState(t.pid).tracerPid).toBe(0);
  });

  it('pdbg killed with SIGTERM mid-run: breakpoint byte gone, target released and running on', async () => {
    const path = buildTarget('breakme');
    const t = startRunning('breakme', ['1000000', '5']);
    await until(() => t.out().includes('call 1 '));
    const done = symbolAddress(t.pid, path, 'done_fn');
    const before = rawMem(t.pid, done, 8);
    const run = pdbgAsync(['run', String(t.pid), '--until', 'done_fn']);
    // Wait until pdbg traces it and the temporary breakpoint is planted.
    await until(() => procState(t.pid).tracerPid !== 0 && rawMem(t.pid, done, 1)[0] === 0xcc);
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.status).toBe(143);
    expect(isCleanError(r)).toBe(true);
    expect(r.stderr).toMatch(/^pdbg: terminated by SIGTERM; released the target \(running\)\n$/);
    expect(rawMem(t.pid, done, 8)).toEqual(before);
    expect(procState(t.pid).tracerPid).toBe(0);
    const n = t.out().length;
    await until(() => t.out().length > n + 40);
    expect(procState(t.pid).state).not.toBe('T');
    const calls = t.out().trim().split('\n').filter((l) => l.startsWith('call'));
    for (const l of calls.slice(-5)) {
      const [, i, v] = /call (\d+) -> (\d+)/.exec(l)!;
      expect(Number(v)).toBe(2 * Number(i) + 1);
    }
  });

  it('Ctrl-C (SIGINT) mid-step releases the target too, left stopped as step promises', async () => {
    const t = startRunning('counter');
    const run = pdbgAsync(['step', String(t.pid), '-n', '100000000']);
    await until(() => procState(t.pid).tracerPid !== 0);
    await sleep(100);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.status).toBe(130);
    expect(r.stderr).toBe('pdbg: interrupted; released the target (left stopped)\n');
    expect(procState(t.pid)).toEqual({ state: 'T', tracerPid: 0 });
  });
});
