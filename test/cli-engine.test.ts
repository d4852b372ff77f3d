import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { driveWriterByShell, isCleanError, killStarted, pdbg, pdbgStart } from './helpers/cli.js';
import { liveOk } from './helpers/root.js';
import { procState, rawMem } from './helpers/targets.js';

const dir = mkdtempSync(join(tmpdir(), 'pdbg-cli-engine-'));
afterAll(killStarted);

let outs = 0;
/** `pdbg start` as a user runs it, the target's stdout in a file of its own. */
function start(name: string, args: string[] = [], out = join(dir, `${name}-${outs++}.out`)): { pid: number; out: string } {
  return { pid: pdbgStart(name, args, out), out };
}


/** Left the way one-shot commands promise: job-control stopped, untraced. */
function expectLeftStopped(pid: number): void {
  expect(procState(pid)).toEqual({ state: 'T', tracerPid: 0 });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!liveOk('cli-engine'))('one-shot engine commands', () => {
  it('a shell script drives a target command by command, and its output proves the edits', () => {
    const { stdout, pid, out } = driveWriterByShell(dir);
    expect(stdout).toMatch(/^stepped to 0x[0-9a-f]+ <[^>]+> \(thread \d+\)$/m);
    expect(stdout).toMatch(/^rip +0x[0-9a-f]{16}/m);
    expect(stdout).toMatch(/^temporary breakpoint \d+ at 0x[0-9a-f]+ <checkpoint> \(thread \d+\)$/m);
    expect(stdout).toMatch(/^0x[0-9a-f]+: 2a 00 00 00 00 00 00 00 +\|\*\.{7}\|$/m);
    expect(stdout).toMatch(/^wrote 8 bytes at 0x[0-9a-f]+ <value>: 07 00 00 00 00 00 00 00$/m);
    expect(stdout).toMatch(/<get_value\+12>/);
    expect(stdout).toMatch(/^rax +0x0{14}63$/m);
    expect(stdout).toContain(`released ${pid}`);
    // The program ran on after detach, with both edits in effect.
    for (let i = 0; i < 200 && !readFileSync(out, 'utf8').includes('got='); i++) execFileSync('sleep', ['0.02']);
    expect(readFileSync(out, 'utf8')).toMatch(/ready \d+ value=42 .*\nvalue=7 got=99\n/);
  }, 120_000);

  it('one-shot commands leave the target stopped, untraced, with no breakpoint byte', () => {
    const { pid } = start('breakme', ['3']);
    expectLeftStopped(pid);
    const r = pdbg(['run', String(pid), '--until', 'target_fn', '--json']);
    expect(r.status).toBe(0);
    const ev = JSON.parse(r.stdout);
    expect(ev).toMatchObject({ pid, kind: 'breakpoint', temporary: true, where: expect.stringMatching(/<target_fn>$/) });
    expectLeftStopped(pid);
    expect(rawMem(pid, BigInt(ev.pc), 1)[0]).not.toBe(0xcc);
    // The next command finds it exactly there.
    const regs = JSON.parse(pdbg(['regs', String(pid), '--json']).stdout);
    expect(regs.regs.rip).toBe(ev.pc);
    const step = JSON.parse(pdbg(['step', String(pid), '-n', '2', '--json']).stdout);
    expect(step).toMatchObject({ kind: 'step', where: expect.stringMatching(/<target_fn\+\d+>$/) });
    expectLeftStopped(pid);
    // `run` with no --until goes to the exit here, and reports it.
    const end = pdbg(['run', String(pid)]);
    expect(end.stdout.trim()).toBe('exited with code 0');
    expect(end.status).toBe(0);
  });

  it('reports the exit code and a killing signal as events', () => {
    const a = start('exiter', ['3']);
    expect(pdbg(['run', String(a.pid)]).stdout.trim()).toBe('exited with code 3');
    const b = start('exiter', ['0', 'segv']);
    const first = pdbg(['run', String(b.pid)]).stdout.trim();
    expect(first).toMatch(/^signal segv at 0x[0-9a-f]+ <main\+\d+>/);
    // Left stopped at the fault, which happens again when it runs again.
    const again = JSON.parse(pdbg(['run', String(b.pid), '--json']).stdout);
    expect(again).toMatchObject({ kind: 'signal', signal: 'segv' });
    expect(first).toContain(again.where);
    // In one session, continuing passes the signal on, and the event is its death.
    const sc = join(dir, 'segv.pdbg');
    writeFileSync(sc, 'continue\ncontinue\n');
    const r = pdbg(['script', String(b.pid), sc]);
    expect(r.stdout).toContain('(pdbg) continue\nkilled by signal segv\n');
  });

  it('a target that exits mid-step is a one-line error', () => {
    const { pid } = start('exiter', ['3']);
    pdbg(['run', String(pid), '--until', 'before_exit']);
    const r = pdbg(['step', String(pid), '-n', '1000000']);
    expect(isCleanError(r)).toBe(true);
    expect(r.stderr).toBe(`pdbg: process ${pid} exited (code 3)\n`);
  });

  it('ctl writes words in order and prints why after each wait', () => {
    const { pid } = start('counter');
    const r = pdbg(['ctl', String(pid), 'attach', 'wait', 'step', 'wait']);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^stopped ${pid} (signal stop|attach)$`));
    expect(lines.length).toBe(2);
    expectLeftStopped(pid);
    const bad = pdbg(['ctl', String(pid), 'attach', 'frobnicate']);
    expect(isCleanError(bad)).toBe(true);
    expect(bad.stderr).toMatch(/unknown control word 'frobnicate'/);
    expectLeftStopped(pid);
  });

  it('note, notepg and detach deliver signals and release', async () => {
    const { pid, out } = start('sighandler');
    expect(pdbg(['detach', String(pid)]).stdout.trim()).toBe(`released ${pid}`);
    for (let i = 0; i < 200 && !readFileSync(out, 'utf8').includes('ready'); i++) await sleep(10);
    expect(pdbg(['note', String(pid), 'usr1']).stdout.trim()).toBe(`sent usr1 to ${pid}`);
    for (let i = 0; i < 200 && !readFileSync(out, 'utf8').includes('usr1 1'); i++) await sleep(10);
    expect(readFileSync(out, 'utf8')).toContain('usr1 1');
    // Its own process group (pdbg start uses a new session).
    expect(JSON.parse(pdbg(['notepg', String(pid), 'SIGTERM', '--json']).stdout)).toEqual({ pgid: pid, signal: 'term' });
    for (let i = 0; i < 200 && !readFileSync(out, 'utf8').includes('term 1'); i++) await sleep(10);
    expect(readFileSync(out, 'utf8')).toContain('term 1');
    // usr2 is ignored: it survives.
    pdbg(['note', String(pid), '12']);
    await sleep(50);
    expect(procState(pid).state).not.toBe('Z');
  });

  it('bad input is one line and a non-zero status, and the target is left as it was', () => {
    const { pid } = start('writer');
    const cases: [string[], RegExp][] = [
      [['mem', String(pid), 'value', '--write', 'zz'], /bad hex bytes 'zz'/],
      [['mem', String(pid), 'value', '--write', 'abc'], /bad hex bytes/],
      [['regs', String(pid), '--set', 'rqx=1'], /unknown register 'rqx'/],
      [['regs', String(pid), '--set', 'rax=banana'], /not a number/],
      [['note', String(pid), 'nosuch'], /unknown signal name 'nosuch'/],
      [['mem', String(pid), '0x10', '8'], /0x10 is not mapped/],
      [['mem', String(pid), 'no_such_symbol'], /no symbol 'no_such_symbol'/],
      [['run', String(pid), '--until', '+-'], /not an address or symbol/],
      [['step', '999999999'], /no process 999999999/],
      [['step', String(pid), '-n', '0'], /not a count/],
    ];
    for (const [args, re] of cases) {
      const r = pdbg(args);
      expect(isCleanError(r), `${args.join(' ')}: ${r.stderr}`).toBe(true);
      expect(r.stderr).toMatch(re);
    }
    expectLeftStopped(pid);
  });
});
