/**
 * The exit guard is the applications', not the engine's (issue 19 §4): a session attached
 * through the library installs no process-wide handler; one given the guard registers with it
 * until released. A profiled pdbg (`node --cpu-prof`) is not killed by V8's SIGPROF ticks, and
 * its target is left as found.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Session } from '../src/index.js';
import { guard, guardedCount, profilerFlags } from '../src/procfs/exit-guard.js';
import { FakeProcFs } from '../src/procfs/sources/fake.js';
import { spinner } from '../src/procfs/sources/fake/programs.js';
import { releaseSessions } from './helpers/cleanup.js';
import { pdbgBin } from './helpers/cli.js';
import { liveOk } from './helpers/root.js';
import { killAll, procState, startTarget } from './helpers/targets.js';

const EVENTS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGPROF', 'exit', 'uncaughtException', 'unhandledRejection'] as const;
const listeners = () => Object.fromEntries(EVENTS.map((e) => [e, process.listenerCount(e)]));

const sessions: Session[] = [];
afterEach(() => releaseSessions(sessions));

describe('the exit guard is installed by applications', () => {
  it('Session.attach through the library installs no signal or exit listener', async () => {
    const before = listeners();
    const fs = new FakeProcFs();
    const s = await Session.attach(fs, fs.add(spinner()));
    sessions.push(s);
    expect(listeners()).toEqual(before);
    expect(guardedCount()).toBe(0);
    await s.detach();
    expect(listeners()).toEqual(before);
  });

  it('a session given the guard is registered from its attach until its release', async () => {
    const before = listeners();
    const fs = new FakeProcFs();
    const s = await Session.attach(fs, fs.add(spinner()), { exitGuard: guard });
    sessions.push(s);
    expect(guardedCount()).toBe(1);
    expect(process.listenerCount('SIGTERM')).toBe(before.SIGTERM + 1);
    await s.detach();
    expect(guardedCount()).toBe(0);
    expect(listeners()).toEqual(before);
  });

  it('a profiled node leaves SIGPROF to V8', () => {
    expect(profilerFlags(['--cpu-prof'])).toBe(true);
    expect(profilerFlags(['--cpu-prof-dir=/tmp', '--cpu-prof'])).toBe(true);
    expect(profilerFlags([], '--max-old-space-size=100 --prof')).toBe(true);
    expect(profilerFlags(['--cpu-prof-dir=/tmp'])).toBe(false);
    expect(profilerFlags(['--enable-source-maps'], '')).toBe(false);
  });
});

describe.runIf(liveOk('exit-guard'))('profiling pdbg', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pdbg-prof-'));
  afterAll(() => {
    killAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('node --cpu-prof bin/pdbg.js bt PID writes a .cpuprofile and leaves the running target as found', async () => {
    const t = startTarget('counter');
    await t.waitFor(/ready/);
    // Enough work in pdbg for V8 to take samples (every 1 ms by default: SIGPROF each time).
    const r = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, pdbgBin, 'bt', String(t.pid)], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).not.toMatch(/SIGPROF/);
    expect(r.status).toBe(0);
    expect(readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))).toHaveLength(1);
    expect(procState(t.pid)).toMatchObject({ tracerPid: 0 });
    expect(procState(t.pid).state).not.toBe('t');
    expect(procState(t.pid).state).not.toBe('T');
  }, 90_000);
});
