/**
 * The engine over a `pdbg mount`, by file I/O alone: `--proc-root MNT` with one-shot commands,
 * a script and the TUI, each checked against what the same command says on the live source and
 * against the target's own output. The daemon is a real `pdbg mount` process.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driveWriterByShell, isCleanError, killStarted, pdbg, pdbgBin, pdbgStart } from './helpers/cli.js';
import { mountOk, startMount, type RunningMount } from './helpers/pdbg-mount.js';
import { procState, rawMem } from './helpers/targets.js';
import { ProcessSymbols } from '../src/engine/symbols/process-symbols.js';
import { LinuxProcFs } from '../src/procfs/sources/linux/index.js';
import { pdbgAsync } from './helpers/cli.js';
import { killAllTmux, startInTmux } from './helpers/tmux.js';

const tmuxOk = spawnSync('tmux', ['-V']).status === 0;
if (!tmuxOk) process.stderr.write('SKIP TUI over a mount: no tmux\n');
const dir = mkdtempSync(join(tmpdir(), 'pdbg-mount-engine-'));
let mnt: RunningMount | undefined;
let outs = 0;

function start(name: string, args: string[] = []): { pid: number; out: string } {
  const out = join(dir, `${name}-${outs++}.out`);
  return { pid: pdbgStart(name, args, out), out };
}

function waitOutput(out: string, text: string): string {
  for (let i = 0; i < 300 && !readFileSync(out, 'utf8').includes(text); i++) execFileSync('sleep', ['0.02']);
  return readFileSync(out, 'utf8');
}

describe.skipIf(!mountOk('engine over a pdbg mount'))('the engine over a pdbg mount', () => {
  beforeAll(async () => {
    mnt = await startMount();
  });
  afterAll(async () => {
    killAllTmux();
    killStarted();
    await mnt?.stop();
  });

  it('one-shot commands drive a target through the mount, and its output proves the edits', () => {
    const { stdout, pid, out } = driveWriterByShell(dir, ['--proc-root', mnt!.dir]);
    expect(stdout).toMatch(/^stepped to 0x[0-9a-f]+ <[^>]+> \(thread \d+\)$/m);
    expect(stdout).toMatch(/^rip +0x[0-9a-f]{16}/m);
    expect(stdout).toMatch(/^temporary breakpoint \d+ at 0x[0-9a-f]+ <checkpoint> \(thread \d+\)$/m);
    expect(stdout).toMatch(/^0x[0-9a-f]+: 2a 00 00 00 00 00 00 00 +\|\*\.{7}\|$/m);
    expect(stdout).toMatch(/^wrote 8 bytes at 0x[0-9a-f]+ <value>: 07 00 00 00 00 00 00 00$/m);
    expect(stdout).toMatch(/<get_value\+12>/);
    expect(stdout).toMatch(/^rax +0x0{14}63$/m);
    expect(stdout).toContain(`released ${pid}`);
    expect(waitOutput(out, 'got=')).toMatch(/ready \d+ value=42 .*\nvalue=7 got=99\n/);
    // Eleven pdbg processes in a row through FUSE: room for a loaded machine.
  }, 120_000);

  it('bt and regs over the mount say what they say on the live source', () => {
    const { pid } = start('breakme', ['3']);
    const r = pdbg(['--proc-root', mnt!.dir, 'run', String(pid), '--until', 'target_fn']);
    expect(r.stderr).toMatch(/^pdbg: left stopped at 0x[0-9a-f]+ <target_fn> \(thread \d+\); pdbg detach \d+ resumes it\n$/);
    expect(r.stdout).toMatch(/<target_fn>/);
    const over = pdbg(['--proc-root', mnt!.dir, 'bt', String(pid), '--json']);
    const direct = pdbg(['bt', String(pid), '--json']);
    expect(over.stderr).toBe('');
    expect(direct.stderr).toBe('');
    const names = (t: string) => (JSON.parse(t) as { frames: { symbol?: string; pc: string; how: string }[] }).frames.map((f) => [f.pc, f.symbol, f.how]);
    expect(names(over.stdout).length).toBeGreaterThanOrEqual(2);
    expect(names(over.stdout).map((f) => f[1]).slice(0, 2)).toEqual(["target_fn", "main"]);
    expect(names(over.stdout)).toEqual(names(direct.stdout));
    expect(pdbg(['--proc-root', mnt!.dir, 'regs', String(pid), '--json']).stdout).toBe(pdbg(['regs', String(pid), '--json']).stdout);
    // One-shot commands leave it as they promise, through the mount too.
    expect(procState(pid)).toEqual({ state: 'T', tracerPid: 0 });
  });

  it('a script runs breakpoints, edits and steps over the mount', () => {
    const { pid, out } = start('breakme', ['3']);
    const file = join(dir, 'batch.pdbg');
    writeFileSync(file, 'break target_fn\ncontinue\nset rdi=10\nstepi 2\ncontinue\ninfo registers rdi\ndelete 1\ndetach\n');
    const r = pdbg(['--proc-root', mnt!.dir, 'script', String(pid), file]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\(pdbg\) continue\nbreakpoint 1 at 0x[0-9a-f]+ <target_fn> \(thread \d+\)\n/);
    expect(r.stdout).toMatch(/\(pdbg\) info registers rdi\nrdi {12}0x1 {17}1\n/);
    expect(r.stdout).toContain('(pdbg) detach\ndetached\n');
    expect(waitOutput(out, 'total')).toContain('call 0 -> 21\ncall 1 -> 3\ncall 2 -> 5\ntotal 29');
  });

  it('a debugger over the mount killed with breakpoints planted: the mount takes them out, the target runs on', async () => {
    const { pid } = start('tuitarget');
    pdbg(['detach', String(pid)]);
    const syms = await ProcessSymbols.forProcess(new LinuxProcFs(), pid);
    const tick = syms.lookup('tui_tick').address;
    const main = syms.lookup('main').address;
    const counter = syms.lookup('tui_ticks').address;
    const before = [rawMem(pid, tick, 16), rawMem(pid, main, 16)];
    // Hit tui_tick over and over, with a second breakpoint on main that is never hit: killed
    // mid-way, the engine leaves int3 bytes in, maybe a thread just past one of them.
    const file = join(dir, 'hits.pdbg');
    writeFileSync(file, `break main\nbreak tui_tick\n${'continue\n'.repeat(100000)}`);
    const run = pdbgAsync(['--proc-root', mnt!.dir, 'script', String(pid), file]);
    for (let i = 0; i < 400 && (run.stdout().match(/breakpoint 2 at/g) ?? []).length < 20; i++) await new Promise((r) => setTimeout(r, 25));
    expect((run.stdout().match(/breakpoint 2 at/g) ?? []).length).toBeGreaterThanOrEqual(20);
    run.child.kill('SIGKILL');
    await run.done;
    for (let i = 0; i < 200 && procState(pid).tracerPid !== 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(procState(pid).tracerPid).toBe(0);
    expect([rawMem(pid, tick, 16), rawMem(pid, main, 16)]).toEqual(before);
    const t0 = rawMem(pid, counter, 8).readBigUInt64LE();
    await new Promise((r) => setTimeout(r, 200));
    expect(rawMem(pid, counter, 8).readBigUInt64LE()).toBeGreaterThan(t0);
    expect(procState(pid).state).not.toBe('T');
  });

  it.skipIf(!tmuxOk)('a TUI over the mount killed right after an emulated step off a breakpoint: its pc is not rewound, the target runs on', async () => {
    const { pid } = start('tuitarget');
    pdbg(['detach', String(pid)]);
    const syms = await ProcessSymbols.forProcess(new LinuxProcFs(), pid);
    const tick = syms.lookup('tui_tick').address;
    const counter = syms.lookup('tui_ticks').address;
    const before = rawMem(pid, tick, 16);
    expect(before[0]).toBe(0x55); // push %rbp: one byte, emulated; the pc lands one past the int3
    const pane = startInTmux(['node', pdbgBin, '--proc-root', mnt!.dir, 'attach', String(pid)]);
    await pane.waitFor((s) => /registers/.test(s) && /rip\s+0x/.test(s), 15_000);
    pane.keys('b');
    pane.keys('tui_tick', true);
    pane.keys('Enter');
    await pane.waitFor(/breakpoint 1 at 0x[0-9a-f]+ <tui_tick>/, 10_000);
    pane.keys('c');
    await pane.waitFor(/breakpoint 1 at 0x[0-9a-f]+ <tui_tick> \(thread/, 10_000);
    pane.keys('s');
    await pane.waitFor(new RegExp(`stepped to 0x${(tick + 1n).toString(16)}`), 10_000);
    process.kill(pane.panePid(), 'SIGKILL');
    for (let i = 0; i < 200 && procState(pid).tracerPid !== 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(procState(pid).tracerPid).toBe(0);
    expect(rawMem(pid, tick, 16)).toEqual(before);
    // A push run twice returns through the saved rbp: the target would die of SIGSEGV.
    const t0 = rawMem(pid, counter, 8).readBigUInt64LE();
    await new Promise((r) => setTimeout(r, 300));
    expect(procState(pid).state).not.toBe('Z');
    expect(rawMem(pid, counter, 8).readBigUInt64LE()).toBeGreaterThan(t0);
  });

  it('refuses what a mount cannot do with one line: starting a program, an unknown pid', () => {
    expect(isCleanError(pdbg(['--proc-root', mnt!.dir, 'debug', '--', '/bin/true']))).toBe(true);
    const r = pdbg(['--proc-root', mnt!.dir, 'regs', '999999999']);
    expect(isCleanError(r)).toBe(true);
    expect(r.stderr).toMatch(/999999999/);
  });

  it.skipIf(!tmuxOk)('the TUI attaches over the mount, steps, and q leaves the target as found', async () => {
    const { pid } = start('breakme', ['3']);
    const pane = startInTmux(['node', pdbgBin, '--proc-root', mnt!.dir, 'attach', String(pid)]);
    const first = await pane.waitFor((s) => /registers/.test(s) && /rip\s+0x/.test(s), 15_000);
    const rip0 = /rip\s+(0x[0-9a-f]+)/.exec(first)![1];
    pane.keys('s');
    await pane.waitFor((s) => /rip\s+(0x[0-9a-f]+)/.exec(s)?.[1] !== rip0, 10_000);
    pane.keys('q');
    for (let i = 0; i < 200 && pane.alive(); i++) await new Promise((r) => setTimeout(r, 25));
    expect(pane.alive()).toBe(false);
    expect(procState(pid).tracerPid).toBe(0);
  });
});
