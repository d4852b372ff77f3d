/**
 * gdb's `call FUNC(ARGS)` (issue 18 §3): returns what the function returns (gdb the oracle), puts
 * every register back, survives a fault inside the call, leaves a read(2) it interrupted to be
 * restarted, and refuses a thread in a system call the kernel restarts from per-thread state.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { pdbg } from './helpers/cli.js';
import { liveOk } from './helpers/root.js';
import { buildTarget, procState } from './helpers/targets.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

async function start(mode: 'read' | 'sleep'): Promise<{ c: ChildProcess; out: () => string }> {
  const c = spawn(buildTarget('callee'), [mode], { stdio: ['pipe', 'pipe', 'ignore'] });
  children.push(c);
  let out = '';
  c.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  for (let k = 0; k < 400 && !out.includes('ready'); k++) await sleep(25);
  // Blocked in its wait (read or nanosleep), not still starting.
  for (let k = 0; k < 400 && procState(c.pid!).state !== 'S'; k++) await sleep(25);
  return { c, out: () => out };
}

function registers(text: string): string[] {
  return text.split('\n').filter((l) => /^(r[a-z0-9]+|eflags|cs|ss|ds|es|fs|gs|fs_base|gs_base|orig_rax)\s+0x/.test(l));
}

describe.runIf(liveOk('call'))('call FUNC(ARGS)', () => {
  it('returns what gdb\'s call returns, and every register is as it was', async () => {
    const { c, out } = await start('read');
    const r = pdbg(['script', String(c.pid), '-'], {
      input: 'info registers\ncall add3(1, 2, 39)\ncall mix6(10, 3, 4, 5, 6, 7)\ninfo registers\n',
    });
    expect(r.stderr).toBe('');
    const [before, after] = r.stdout.split('(pdbg) info registers').slice(1).map((part) => registers(part.split('(pdbg)')[0]!));
    expect(before!.length).toBeGreaterThan(20);
    expect(after).toEqual(before);
    expect(r.stdout).toContain('$1 = 42');
    expect(r.stdout).toContain(`$2 = ${10 - 3 + 4 * 5 - 6 + 7 * 100}`);
    const g = execFileSync('gdb', ['-nx', '-batch', '-p', String(c.pid), '-ex', 'call (long)add3(1, 2, 39)', '-ex', 'call (long)mix6(10, 3, 4, 5, 6, 7)'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(g).toMatch(/^\$1 = 42$/m);
    expect(g).toMatch(new RegExp(`^\\$2 = ${10 - 3 + 4 * 5 - 6 + 7 * 100}$`, 'm'));
    // The read(2) the call interrupted is restarted: a byte in, a tick out, with the calls counted
    // (two by pdbg, two by gdb).
    c.stdin!.write('x');
    for (let k = 0; k < 400 && !out().includes('tick 0'); k++) await sleep(25);
    expect(out()).toContain('tick 0 calls 4');
  });

  it('a fault inside the call puts every register back and the program runs on', async () => {
    const { c, out } = await start('read');
    const r = pdbg(['script', String(c.pid), '-'], { input: 'info registers\ncall fault_now()\n' });
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/the program stopped in a function called from pdbg \(signal segv at 0x[0-9a-f]+ <fault_now\+\d+>.*\); every register was put back/);
    c.stdin!.write('x');
    for (let k = 0; k < 400 && !out().includes('tick 0'); k++) await sleep(25);
    expect(out()).toContain('tick 0 calls 1');
    expect(procState(c.pid!).tracerPid).toBe(0);
  });

  it('refuses a thread in nanosleep (restarted from per-thread state) and says why', async () => {
    const { c, out } = await start('sleep');
    // Attached while in nanosleep: the main thread is in the call.
    let r = pdbg(['script', String(c.pid), '-'], { input: 'call add3(1, 2, 3)\n' });
    for (let k = 0; k < 20 && r.status === 0; k++) r = pdbg(['script', String(c.pid), '-'], { input: 'call add3(1, 2, 3)\n' });
    expect(r.stderr).toMatch(/thread \d+ is in system call 230, which the kernel restarts from per-thread state a called function could overwrite/);
    const n = out().length;
    for (let k = 0; k < 400 && out().length === n; k++) await sleep(25);
    expect(out().length).toBeGreaterThan(n);
  });
});
