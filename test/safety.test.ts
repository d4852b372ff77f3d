/**
 * The debuggee is never left worse than found: each case below killed or broke its target
 * before the fix it names (tracer.ts: pending traps drained, a stepped `syscall` is a step, stops
 * pdbg caused absorbed; session.ts: releasing ends a step or continue in flight and refuses
 * further commands; procfs/exit-guard.ts: every catchable terminating signal; forks cleaned before they run).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pdbg, pdbgAsync, pdbgBin, pdbgStart, killStarted } from './helpers/cli.js';
import { liveOk } from './helpers/root.js';
import { buildTarget, procState, rawMem } from './helpers/targets.js';
import { killAllTmux, startInTmux } from './helpers/tmux.js';

const dir = mkdtempSync(join(tmpdir(), 'pdbg-safety-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let n = 0;

/** A running `safety MODE` target, not our child. */
function running(mode: string): { pid: number; out: () => string } {
  const file = join(dir, `${mode}-${n++}.out`);
  const pid = pdbgStart('safety', [mode], file);
  expect(pdbg(['detach', String(pid)]).status).toBe(0);
  return { pid, out: () => readFileSync(file, 'utf8') };
}

/** Link address of a symbol of the safety target, and its runtime address in `pid`. */
function symbol(pid: number, name: string): { link: number; addr: bigint } {
  const path = buildTarget('safety');
  const nm = spawnSync('nm', [path], { encoding: 'utf8' }).stdout;
  const m = new RegExp(`^([0-9a-f]+) [TtBbDd] ${name}$`, 'm').exec(nm);
  if (!m) throw new Error(`no ${name} in nm output`);
  const link = parseInt(m[1]!, 16);
  const first = readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').find((l) => l.endsWith(path))!;
  return { link, addr: BigInt(`0x${first.split('-')[0]}`) + BigInt(link) };
}

function counter(pid: number, name: 'counter' | 'bad' = 'counter'): bigint {
  return rawMem(pid, symbol(pid, name).addr, 8).readBigUInt64LE(0);
}

/** The text bytes at `name` in the process equal the ELF file's: no 0xCC left behind. */
function textIntact(pid: number, name: string): void {
  const { link, addr } = symbol(pid, name);
  const file = readFileSync(buildTarget('safety')).subarray(link, link + 4);
  expect(rawMem(pid, addr, 4).toString('hex')).toBe(file.toString('hex'));
}

/**
 * Alive, untraced, and making progress once running (a stopped target is continued first); a
 * `block` target has no progress to make: it must be back asleep in its read(2).
 */
async function healthy(pid: number, mode = 'loop'): Promise<void> {
  const st = procState(pid);
  expect(st.tracerPid).toBe(0);
  expect(['R', 'S', 'T', 'D']).toContain(st.state);
  if (st.state === 'T') process.kill(pid, 'SIGCONT');
  const before = counter(pid);
  await sleep(250);
  expect(procState(pid).state).not.toBe('Z');
  if (mode === 'block') {
    expect(procState(pid).state).toBe('S');
    expect(readFileSync(`/proc/${pid}/syscall`, 'utf8')).toMatch(/^0 /);
  } else expect(counter(pid)).toBeGreaterThan(before);
}

/** True once `pid` has been traced for `ms` (pdbg attached and at work, not still starting). */
function tracedFor(pid: number, ms: number): () => boolean {
  let since = 0;
  return () => {
    if (procState(pid).tracerPid === 0) return false;
    since ||= Date.now();
    return Date.now() - since >= ms;
  };
}

/** Runs a `write` target to the `syscall` instruction inside write(2), left stopped there; its address. */
function toSyscall(pid: number): bigint {
  const at = pdbg(['run', String(pid), '--until', 'write', '--json']);
  const start = BigInt(JSON.parse(at.stdout).pc as string);
  const off = rawMem(pid, start, 64).indexOf(Buffer.from([0x0f, 0x05]));
  expect(off).toBeGreaterThan(0);
  const addr = start + BigInt(off);
  expect(pdbg(['run', String(pid), '--until', `0x${addr.toString(16)}`]).status).toBe(0);
  return addr;
}

async function signalWhen(p: ReturnType<typeof pdbgAsync>, ready: () => boolean, sig: NodeJS.Signals): Promise<void> {
  for (let i = 0; i < 1500 && !ready(); i++) await sleep(10);
  expect(ready()).toBe(true);
  p.child.kill(sig);
}

describe.skipIf(!liveOk('safety'))('the debuggee is never left worse than found', () => {
  // Targets spin: one left running per case would starve the next cases of the two cores.
  afterEach(() => {
    killAllTmux();
    killStarted();
  });

  it.each([
    ['SIGINT', 'loop'], ['SIGTERM', 'loop'], ['SIGINT', 'block'], ['SIGTERM', 'block'],
  ] as const)('a one-shot step interrupted by %s (%s target) leaves it stopped, at an instruction boundary, no trap pending', async (sig, mode) => {
    const t = running(mode);
    for (let round = 0; round < 3; round++) {
      const p = pdbgAsync(['step', String(t.pid), '-n', '100000000']);
      await signalWhen(p, tracedFor(t.pid, 400), sig);
      const r = await p.done;
      expect(r.stderr).toMatch(/released the target \(left stopped\)\n$/);
      expect(procState(t.pid)).toEqual({ state: 'T', tracerPid: 0 });
      // Continued, a pending SIGTRAP would kill it now (status 133 before the fix).
      await healthy(t.pid, mode);
    }
  });

  it('a step over `syscall` reports the pc the thread has, as `step`, and the target lives on', async () => {
    const t = running('write');
    const at = toSyscall(t.pid);
    // The ctl file as a shell uses it: the step over the syscall is a step (it said `trap`).
    const c = pdbg(['ctl', String(t.pid), 'attach', 'wait', 'step', 'wait', 'detach-stopped']);
    expect(c.stdout.split('\n').slice(0, 2)).toEqual([`stopped ${t.pid} attach`, `stopped ${t.pid} step`]);
    const after = BigInt(JSON.parse(pdbg(['regs', String(t.pid), '--json']).stdout).regs.rip as string);
    expect(after).toBe(at + 2n);
    // One-shot step over it again (the loop comes back to it): what it reports is what gdb sees.
    toSyscall(t.pid);
    const s1 = JSON.parse(pdbg(['step', String(t.pid), '--json']).stdout);
    const g = execFileSync('gdb', ['-batch', '-nx', '-p', String(t.pid), '-ex', 'p/x $pc'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    // Before the fix gdb saw the pc one byte short, inside the instruction; resumed: SIGILL.
    expect(/\$1 = (0x[0-9a-f]+)/.exec(g)?.[1]).toBe(s1.pc);
    await healthy(t.pid);
  });

  it.each(['SIGINT', 'SIGHUP', 'SIGTERM', 'SIGQUIT'] as const)('%s to a script waiting in continue ends the script there: no later line plants a byte', async (sig) => {
    const t = running('loop');
    const script = join(dir, `cont-${sig}.pdbg`);
    execFileSync('sh', ['-c', `printf 'break never_called\\ncontinue\\nbreak tick\\ncontinue\\n' > ${script}`]);
    const p = pdbgAsync(['script', String(t.pid), script]);
    const t0 = Date.now();
    await signalWhen(p, () => p.stdout().includes('(pdbg) break never_called') && Date.now() - t0 > 400, sig);
    const r = await p.done;
    expect(r.stdout).not.toContain('(pdbg) break tick');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    textIntact(t.pid, 'tick');
    textIntact(t.pid, 'never_called');
    await healthy(t.pid);
  });

  it.each(['SIGQUIT', 'SIGUSR2', 'SIGALRM'] as const)('%s to `run --until` puts the breakpoint byte back and lets the target run on', async (sig) => {
    const t = running('loop');
    const p = pdbgAsync(['run', String(t.pid), '--until', 'never_called']);
    await signalWhen(p, tracedFor(t.pid, 400), sig);
    const r = await p.done;
    expect(r.stderr).toMatch(new RegExp(`^pdbg: terminated by ${sig}; released the target \\(running\\)\\n$`));
    expect(r.stdout).toBe('');
    textIntact(t.pid, 'never_called');
    expect(procState(t.pid).state).not.toBe('T');
    await healthy(t.pid);
  });

  it.each(['fork', 'vfork'])('a breakpoint in code a %s child runs: every child is cleaned before it runs, and lives', async (mode) => {
    const t = running(mode);
    const p = pdbgAsync(['script', String(t.pid), '-']);
    p.child.stdin!.end('break child_work\ncontinue\n');
    await signalWhen(p, () => (p.stdout().match(/\[detached after/g) ?? []).length >= 5, 'SIGTERM');
    const r = await p.done;
    expect(r.stdout).toMatch(new RegExp(`\\[detached after ${mode} from child \\d+\\]`));
    expect(counter(t.pid, 'bad')).toBe(0n);
    textIntact(t.pid, 'child_work');
    await healthy(t.pid, mode);
    expect(counter(t.pid, 'bad')).toBe(0n);
  });

  it('follow-fork child: the session goes on with the child, the parent runs on without breakpoints', async () => {
    const t = running('fork');
    const r = pdbg(['script', String(t.pid), '-'], { input: 'follow-fork child\nbreak child_work\ncontinue\ncontinue\n' });
    expect(r.status).toBe(0);
    const m = /following fork child (\d+); detached from parent (\d+)/.exec(r.stdout);
    expect(m?.[2]).toBe(String(t.pid));
    const child = Number(m![1]);
    expect(r.stdout).toMatch(new RegExp(`breakpoint 1 at 0x[0-9a-f]+ <child_work> \\(thread ${child}\\)`));
    // A script leaves its target as found: the child it followed runs on without our byte (and,
    // short-lived, may be gone already); the parent was let go at the fork.
    if (existsSync(`/proc/${child}/status`)) {
      try {
        const st = procState(child);
        expect(st.tracerPid).toBe(0);
        expect(st.state).not.toBe('T');
      } catch (err) {
        if (existsSync(`/proc/${child}/status`)) throw err;
      }
    }
    expect(procState(t.pid).tracerPid).toBe(0);
    textIntact(t.pid, 'child_work');
    await healthy(t.pid);
    expect(counter(t.pid, 'bad')).toBe(0n);
  });

  it('a many-threaded target in a job-control stop: continue and run --until report no stop pdbg caused', async () => {
    const out = join(dir, 'threads.out');
    const pid = pdbgStart('threads', ['4'], out);
    // Every one-shot command leaves it so: job-control stopped, every thread.
    expect(pdbg(['run', String(pid), '--until', 'worker_tick']).stdout).toMatch(/temporary breakpoint 1 at .*<worker_tick>/);
    expect(procState(pid).state).toBe('T');
    for (let i = 0; i < 3; i++) {
      const r = pdbg(['run', String(pid), '--until', 'worker_tick']);
      expect(r.stdout).toMatch(/^temporary breakpoint 1 at 0x[0-9a-f]+ <worker_tick>/);
    }
    const s = pdbg(['script', String(pid), '-'], { input: 'break worker_tick\ncontinue\ncontinue\ncontinue\n' });
    expect(s.stdout).not.toMatch(/signal stop/);
    expect(s.stdout.match(/^breakpoint 1 at .*\(thread \d+\)$/gm)).toHaveLength(3);
    pdbg(['detach', String(pid)]);
  });

  it('ctl attach wait step wait on a process pdbg start left stopped: attach, then a step that moves rip', () => {
    const pid = pdbgStart('counter', [], join(dir, 'counter.out'));
    const before = JSON.parse(pdbg(['regs', String(pid), '--json']).stdout).regs.rip as string;
    const r = pdbg(['ctl', String(pid), 'attach', 'wait', 'step', 'wait', 'detach-stopped']);
    expect(r.stdout.split('\n').slice(0, 2)).toEqual([`stopped ${pid} attach`, `stopped ${pid} step`]);
    const after = JSON.parse(pdbg(['regs', String(pid), '--json']).stdout).regs.rip as string;
    expect(after).not.toBe(before);
  });

  it('200 threads created and destroyed: attach never fails, continue never reports a stop nobody asked for', async () => {
    const t = running('churn');
    for (let i = 0; i < 6; i++) {
      const r = pdbg(['regs', String(t.pid)]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      process.kill(t.pid, 'SIGCONT');
    }
    const lines = 'break tick\n' + 'continue\n'.repeat(6) + 'delete 1\nstepi 50\n';
    const r = pdbg(['script', String(t.pid), '-'], { input: lines, timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(/interrupted/);
    expect(r.stdout.match(/^breakpoint 1 at 0x[0-9a-f]+ <tick> \(thread \d+\)$/gm)).toHaveLength(6);
    expect(r.stdout).toMatch(/\(pdbg\) stepi 50\nstepped to /);
    textIntact(t.pid, 'tick');
    await healthy(t.pid);
  }, 90_000);

  it('TUI: `s` into a blocking read shows running, `i` interrupts it, `q` leaves the target asleep in its read', async () => {
    const t = running('block');
    const pane = startInTmux([process.execPath, pdbgBin, 'attach', String(t.pid)], { cols: 100, rows: 30 });
    await pane.waitFor(/attached to \d+/);
    pane.keys('s');
    await pane.waitFor(/running/);
    pane.keys('i');
    await pane.waitFor(/interrupted at 0x[0-9a-f]+ <read\+\d+>/);
    pane.keys('q');
    for (let i = 0; i < 200 && pane.alive(); i++) await sleep(20);
    expect(pane.alive()).toBe(false);
    await healthy(t.pid, 'block');
  });

  it('TUI: `s` over `syscall` then `q`: the target runs on (SIGILL before the fix)', async () => {
    const t = running('write');
    toSyscall(t.pid);
    const pane = startInTmux([process.execPath, pdbgBin, 'attach', String(t.pid)], { cols: 100, rows: 30 });
    await pane.waitFor(/attached to \d+/);
    pane.keys('s');
    await pane.waitFor(/stepped to|<write\+\d+>/);
    pane.keys('q');
    for (let i = 0; i < 200 && pane.alive(); i++) await sleep(20);
    expect(pane.alive()).toBe(false);
    await healthy(t.pid);
  });

  it("a one-shot command on pdbg's own shell leaves the shell running, and says so", () => {
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${pdbgBin}" regs --keep-stopped $$ >/dev/null; grep '^State' /proc/$$/status`], { encoding: 'utf8', timeout: 20_000 });
    expect(r.signal).toBeNull();
    expect(r.stdout).toMatch(/^State:\s+[RS]/);
    expect(r.stderr).toMatch(/is an ancestor of pdbg \(its shell\?\): released running, not left stopped/);
  });

  it('a failing one-shot command leaves a running target running', async () => {
    const t = running('loop');
    const r = pdbg(['regs', String(t.pid), '--set', 'rqx=1']);
    expect(r.status).not.toBe(0);
    const st = procState(t.pid);
    expect(st.tracerPid).toBe(0);
    expect(st.state).not.toBe('T');
    await healthy(t.pid);
  });
});
