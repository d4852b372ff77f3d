/**
 * Backtraces, frame selection and `finish` against gdb: `pdbg bt --json` on processes stopped
 * inside libc (a C target built here, a thread of one, and python3, which the tests do not
 * build) gives gdb's frame pcs, and each frame's symbol start is the one gdb's `info symbol`
 * gives; `finish` returns where gdb's does, with gdb's return value, recursion included.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Client } from '../src/commands/client.js';
import { runCommandLine } from '../src/commands/commands.js';
import { Session } from '../src/engine/session.js';
import { LinuxProcFs } from '../src/procfs/sources/linux/index.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killStarted, pdbg, pdbgStart } from './helpers/cli.js';
import { gdbFrames, gdbSymbolStarts } from './helpers/gdb.js';
import { liveOk } from './helpers/root.js';
import { buildTarget, procState } from './helpers/targets.js';
import { startTracee, type Tracee } from './helpers/tracee.js';
import { killPids, releaseSessions } from './helpers/cleanup.js';

/** One client per session, as a user interface holds one (its value history and displays last). */
const clients = new Map<Session, Client>();
function client(s: Session): Client {
  let c = clients.get(s);
  if (!c) clients.set(s, (c = new Client(s)));
  return c;
}

const live = liveOk('stack and finish against gdb');
const tracees: Tracee[] = [];
const loose: number[] = [];
const sessions: Session[] = [];
let fs: LinuxProcFs | undefined;

afterEach(async () => {
  await releaseSessions(sessions);
  for (const t of tracees.splice(0)) t.kill();
  killPids(loose);
});
afterAll(async () => {
  killStarted();
  await fs?.close();
});

interface JsonFrame {
  index: number;
  pc: string;
  symbol: string | null;
  offset: string | null;
  module: string | null;
  how: string;
}

function btJson(pid: number, extra: string[] = []): JsonFrame[] {
  const r = pdbg(['bt', String(pid), '--json', ...extra]);
  if (r.status !== 0) throw new Error(`pdbg bt: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { frames: JsonFrame[] }).frames;
}

/** The system call a thread is blocked in, or -1. */
function syscallOf(pid: number, tid = pid): number {
  const text = readFileSync(`/proc/${pid}/task/${tid}/syscall`, 'utf8');
  return /^\d+/.test(text) ? Number(text.split(' ')[0]) : -1;
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const SYS_clock_nanosleep = 230;

/** pdbg's frames and gdb's agree: pcs, and symbol starts (callers looked up at pc-1, as both name them). */
function expectLikeGdb(pid: number, tid: number, frames: JsonFrame[]): void {
  const theirs = gdbFrames(pid).get(tid)!;
  expect(frames.map((f) => BigInt(f.pc))).toEqual(theirs.map((f) => f.pc));
  const lookups = frames.map((f) => BigInt(f.pc) - (f.index === 0 ? 0n : 1n));
  const starts = gdbSymbolStarts(pid, lookups);
  expect(frames.map((f) => (f.symbol === null ? null : BigInt(f.pc) - BigInt(f.offset!)))).toEqual(starts);
}

describe.skipIf(!live)('stack and finish against gdb', () => {
  it('pdbg bt of a C target blocked in nanosleep: gdb\'s frames and symbol starts; the target is left as found (asleep)', async () => {
    const t = await startTracee('finishme', ['3', 'sleep']);
    tracees.push(t);
    const pid = Number((await t.waitFor(/ready (\d+)/))[1]);
    await until(() => syscallOf(pid) === SYS_clock_nanosleep);
    const frames = btJson(pid);
    const names = frames.map((f) => f.symbol);
    expect(names.slice(-6)).toEqual(['depth', 'depth', 'depth', 'depth', 'outer', 'main']);
    expect(frames[0]!.module).toMatch(/libc\.so\.6$/);
    expect(frames.every((f) => f.how === 'cfi')).toBe(true);
    expect(procState(pid)).toEqual({ state: 'S', tracerPid: 0 });
    expectLikeGdb(pid, pid, frames);
    // Past main: libc's start-up to _start, as gdb's `set backtrace past-main on`.
    const all = btJson(pid, ['--past-main']);
    expect(all.map((f) => BigInt(f.pc))).toEqual(gdbFrames(pid, true).get(pid)!.map((f) => f.pc));
    expect(all[all.length - 1]!.symbol).toBe('_start');
  });

  it('pdbg bt --tid of a worker thread ends at clone3, as gdb\'s', async () => {
    const t = await startTracee('threadhit');
    tracees.push(t);
    const m = await t.waitFor(/ready (\d+) (\d+)/);
    const pid = Number(m[1]);
    const worker = Number(m[2]);
    await until(() => syscallOf(pid, worker) === SYS_clock_nanosleep);
    const frames = btJson(pid, ['--tid', String(worker)]);
    expect(frames[frames.length - 1]!.symbol).toMatch(/clone3?$/);
    expect(frames.map((f) => f.symbol)).toContain('work');
    expectLikeGdb(pid, worker, frames);
  });

  it('pdbg bt of python3 (a program the tests do not build) sleeping in libc equals gdb', async () => {
    const sh = spawn('sh', ['-c', 'python3 -c "import time; time.sleep(1000)" & echo $!; wait'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const pid = await new Promise<number>((res) => sh.stdout!.once('data', (d: Buffer) => res(Number(d.toString().trim()))));
    loose.push(pid);
    await until(() => syscallOf(pid) === SYS_clock_nanosleep);
    const frames = btJson(pid);
    expect(frames.length).toBeGreaterThan(5);
    expect(frames[0]!.symbol).toBe('clock_nanosleep');
    expectLikeGdb(pid, pid, frames);
  });

  it('finish\'s return breakpoint is invisible in a script, as gdb\'s: no number taken, not listed, its stop reported as the return; kill ends the target', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pdbg-finish-'));
    const pid = pdbgStart('finishme', ['3'], join(dir, 'out'));
    const commands = ['break depth', 'continue', 'finish', 'info breakpoints', 'break main', 'delete 1', 'finish', 'break outer'];
    const file = join(dir, 'finish.pdbg');
    writeFileSync(file, [...commands, 'info breakpoints', 'kill', ''].join('\n'));
    const r = pdbg(['script', String(pid), file]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const o = r.stdout;
    // The first finish meets breakpoint 1 again in depth(2) before depth(3) returns (gdb too).
    expect(o).toMatch(/\(pdbg\) finish\nbreakpoint 1 at 0x[0-9a-f]+ <depth> \(thread \d+\)\n\(pdbg\) info breakpoints\nNum .*\n1 +breakpoint +keep y +0x[0-9a-f]+ <depth>\n\tbreakpoint already hit 2 times\n\(pdbg\) break main\nbreakpoint 2 at /);
    // The second returns: the stop is the return, no breakpoint named.
    expect(o).toMatch(/\(pdbg\) finish\nrun till exit from #0 0x[0-9a-f]+ depth(?:\+\d+)? \(finishme\)\nreturned to 0x[0-9a-f]+ <depth\+\d+> \(thread \d+\)\nvalue returned: rax = 0x[0-9a-f]+ \(\d+\)\n\(pdbg\) break outer\nbreakpoint 3 at /);
    expect(o).not.toMatch(/temporary|breakpoint -\d/);
    expect(o).toMatch(/\(pdbg\) info breakpoints\nNum .*\n2 +breakpoint +keep y +0x[0-9a-f]+ <main>\n3 +breakpoint +keep y +0x[0-9a-f]+ <outer>\n\(pdbg\) kill\n\[process \d+ killed\]\n$/);
    // gdb -batch, the same commands: the same numbers (gdb numbers every user breakpoint, never its finish's).
    const g = execFileSync('gdb', ['-nx', '-batch', ...commands.flatMap((c) => ['-ex', c === 'continue' ? 'run' : c]), '-ex', 'kill', '--args', buildTarget('finishme'), '3'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    const gdbNumbers = [...g.matchAll(/^Breakpoint (\d+) at /gm)].map((m) => Number(m[1]));
    const ours = [...o.matchAll(/^breakpoint (\d+) at 0x[0-9a-f]+ <\w+>$/gm)].map((m) => Number(m[1]));
    expect(gdbNumbers).toEqual([1, 2, 3]);
    expect(ours).toEqual(gdbNumbers);
    expect(g).toMatch(/^Value returned is \$\d+ = 4245$/m);
    expect(o).toContain('value returned: rax = 0x1095 (4245)');
    // Killed: gone, or a zombie its parent has not reaped yet; never stopped or traced.
    await until(() => { try { return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return true; } });
  }, 120_000);

  it('frame, up and down select a frame whose registers regs shows; finish returns where gdb\'s does, with its rax, through recursion', async () => {
    fs ??= new LinuxProcFs();
    const prog = buildTarget('finishme');
    const s = await Session.launch(fs, [prog, '3'], { stdout: 'ignore', stderr: 'ignore', stdin: 'ignore' });
    sessions.push(s);
    loose.push(s.pid);
    await runCommandLine(client(s), 'break depth');
    for (let i = 0; i < 3; i++) await s.cont(); // depth(3), depth(2), depth(1)
    expect(await s.reg('rdi')).toBe(1n);
    const bt = await runCommandLine(client(s), 'bt');
    expect(bt.lines.map((l) => l.replace(/^#\d+ 0x[0-9a-f]+ /, '').replace(/\+\d+/, ''))).toEqual(['depth (finishme)', 'depth (finishme)', 'depth (finishme)', 'outer (finishme)', 'main (finishme)']);
    const frames = await s.frames();
    const up = await runCommandLine(client(s), 'up');
    expect(up.lines[0]).toMatch(/^#1 0x[0-9a-f]+ depth\+\d+ \(finishme\)$/);
    const r1 = (await runCommandLine(client(s), 'regs rip rsp')).data as { regs: Record<string, bigint> };
    expect(r1.regs.rip).toBe(frames[1]!.pc);
    expect(r1.regs.rsp).toBe(frames[0]!.cfa);
    expect((await runCommandLine(client(s), 'up 100')).lines[0]).toMatch(/^#4 .* main\+/);
    await expect(runCommandLine(client(s), 'up')).rejects.toThrow(/cannot go up/);
    await expect(runCommandLine(client(s), 'frame 9')).rejects.toThrow(/no frame 9: the stack has 5 frames/);
    expect((await runCommandLine(client(s), 'down 4')).lines[0]).toMatch(/^#0 /);
    await expect(runCommandLine(client(s), 'down')).rejects.toThrow(/cannot go down/);
    // finish out of depth(1): depth(0) returns to the same address first, one frame deeper.
    await runCommandLine(client(s), 'delete 1');
    const fin = await runCommandLine(client(s), 'finish');
    expect(fin.lines[0]).toMatch(/^run till exit from #0 0x[0-9a-f]+ depth \(finishme\)$/);
    expect(await s.pc()).toBe(frames[1]!.pc);
    expect(await s.reg('rsp')).toBe(frames[0]!.cfa);
    const mine = { where: s.describe(await s.pc()).replace(/^0x[0-9a-f]+ /, ''), rax: await s.reg('rax') };
    expect(fin.lines[2]).toBe(`value returned: rax = 0x${mine.rax.toString(16)} (${mine.rax})`);
    // gdb, the same program and the same stop: `finish` from the third hit of depth.
    const g = execFileSync('gdb', ['-nx', '-batch', '-ex', 'break depth', '-ex', 'run', '-ex', 'continue', '-ex', 'continue', '-ex', 'delete',
      '-ex', 'finish', '-ex', 'info symbol $pc', '-ex', 'p/x $rax', '-ex', 'kill', '--args', prog, '3'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    const sym = /^(\w+) \+ (\d+) in section/m.exec(g)!;
    expect(mine.where).toBe(`<${sym[1]}+${sym[2]}>`);
    expect(mine.rax).toBe(BigInt(/Value returned is \$\d+ = (\d+)/.exec(g)![1]!));
    expect(mine.rax).toBe(4243n);
    // finish from the outermost frame is refused.
    await runCommandLine(client(s), 'up 100');
    await expect(runCommandLine(client(s), 'finish')).rejects.toThrow(/not meaningful in the outermost frame/);
  }, 90_000);
});
