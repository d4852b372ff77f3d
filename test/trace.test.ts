/**
 * `pdbg trace`, as a user runs it, on targets whose calls are known (test/targets/tracecalls.c):
 * every call seen once and in order (consecutive arguments), recursion paired with --ret, eight
 * threads none of whose calls is lost or doubled, a library's function traced before dlopen
 * brings it, and the ends: Ctrl-C and a reader that goes away (`| head -3`) leave the target
 * running, untraced, with the code bytes of the ELF file and no trap pending.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isCleanError, killStarted, pdbg, pdbgAsync, pdbgBin, pdbgStart } from './helpers/cli.js';
import { liveOk } from './helpers/root.js';
import { buildTarget, procState, rawMem } from './helpers/targets.js';
import { killAllTracees, startTracee } from './helpers/tracee.js';

const live = liveOk('pdbg trace');
let dir: string;
let prog: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pdbg-trace-'));
  if (live) prog = buildTarget('tracecalls');
});
afterEach(() => {
  killAllTracees();
  killStarted();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The first `len` bytes of `sym` as the executable file holds them (its text, before any 0xCC). */
function fileBytes(path: string, sym: string, len: number): { vaddr: bigint; bytes: Buffer } {
  const nm = execFileSync('nm', [path], { encoding: 'utf8' });
  const vaddr = BigInt(`0x${new RegExp(`^([0-9a-f]+) T ${sym}$`, 'm').exec(nm)![1]}`);
  const phdrs = execFileSync('readelf', ['-lW', path], { encoding: 'utf8' }).split('\n').filter((l) => /^\s+LOAD/.test(l));
  for (const l of phdrs) {
    const [, off, va, , filesz] = l.trim().split(/\s+/);
    const o = BigInt(off!), v = BigInt(va!), sz = BigInt(filesz!);
    if (vaddr >= v && vaddr < v + sz) {
      const all = readFileSync(path);
      const at = Number(vaddr - v + o);
      return { vaddr, bytes: all.subarray(at, at + len) };
    }
  }
  throw new Error(`${sym}: not in a LOAD segment of ${path}`);
}

/** The executable's load base in `pid` (its mapping at file offset 0). */
function loadBase(pid: number, path: string): bigint {
  const line = readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').find((l) => l.endsWith(path) && / 00000000 /.test(l))!;
  return BigInt(`0x${line.split('-')[0]}`);
}

/** The dynamic linker's load hook (`_dl_debug_state`) in `pid`. */
function hookAddress(pid: number): bigint {
  const line = readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').find((l) => /\/ld-linux-x86-64\.so\.2$/.test(l))!;
  const nm = execFileSync('nm', ['-D', '/lib64/ld-linux-x86-64.so.2'], { encoding: 'utf8' });
  return BigInt(`0x${line.split('-')[0]}`) + BigInt(`0x${/^([0-9a-f]+) T _dl_debug_state/m.exec(nm)![1]}`);
}

/** Left as found: untraced, not stopped, the code as in the file, and still alive a moment later (a pending trap would kill it). */
async function expectLeftRunning(pid: number): Promise<void> {
  const { vaddr, bytes } = fileBytes(prog, 'tr_step', 16);
  expect(rawMem(pid, loadBase(pid, prog) + vaddr, 16).equals(bytes)).toBe(true);
  await new Promise((r) => setTimeout(r, 300));
  const st = procState(pid);
  expect(st.tracerPid).toBe(0);
  expect(st.state).toMatch(/^[RS]$/);
}

/** Trace lines `tr_step(0xA, 0xB…)` → [A, B]. */
function argsOf(line: string): number[] {
  const m = /tr_step\((0x[0-9a-f]+), (0x[0-9a-f]+)/.exec(line);
  if (!m) throw new Error(`not a trace line: ${JSON.stringify(line)}`);
  return [Number(m[1]), Number(m[2])];
}

describe.skipIf(!live)('pdbg trace', () => {
  it('writes every call once, in order, and exits with the program it started', () => {
    const r = pdbg(['trace', 'tr_step', '--args', '2', '--', prog, 'seq', '500']);
    expect(r.status).toBe(7);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(500);
    lines.forEach((l, i) => expect(l).toBe(`tr_step(0x${i.toString(16)}, 0x${(i + 1).toString(16)})`));
    expect(r.stderr).toMatch(/^\+\+\+ process \d+ exited with code 7 \+\+\+\n$/);
  });

  it('pairs the calls of a recursive function with their returns (--ret), innermost first', () => {
    const r = pdbg(['trace', 'tr_fact', '--ret', '--args', '1', '--', prog, 'rec', '5']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      'tr_fact(0x0) = 1', 'tr_fact(0x1) = 1', 'tr_fact(0x2) = 2', 'tr_fact(0x3) = 6', 'tr_fact(0x4) = 24', 'tr_fact(0x5) = 120',
    ]);
  });

  it('as JSON: one object per call with its return', () => {
    const r = pdbg(['trace', 'tr_step', '--ret', '--json', '--', prog, 'seq', '3']);
    const objs = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { tid: number; sym: string; args: string[]; ret: string });
    expect(objs.map((o) => [o.sym, o.args.slice(0, 2), o.ret])).toEqual([
      ['tr_step', ['0x0', '0x1'], '1'], ['tr_step', ['0x1', '0x2'], '3'], ['tr_step', ['0x2', '0x3'], '5'],
    ]);
    expect(objs.every((o) => o.args.length === 3 && o.tid > 0)).toBe(true);
  });

  it('loses and doubles no call of 8 threads, each line naming its thread, returns paired per thread', () => {
    const n = 150;
    const r = pdbg(['trace', 'tr_step', '--ret', '--args', '2', '--', prog, 'threads', String(n)], { timeout: 120_000 });
    expect(r.status).toBe(0);
    const byThread = new Map<number, { tid: string; calls: number[] }>();
    for (const line of r.stdout.trim().split('\n')) {
      const m = /^\[tid (\d+)\] tr_step\((0x[0-9a-f]+), (0x[0-9a-f]+)\) = (\d+)$/.exec(line);
      expect(m, line).not.toBeNull();
      const [, tid, a, t, ret] = m!;
      expect(Number(ret)).toBe(Number(a) + Number(t));
      const e = byThread.get(Number(t)) ?? { tid: tid!, calls: [] };
      expect(e.tid).toBe(tid);
      e.calls.push(Number(a) - Number(t) * 1_000_000);
      byThread.set(Number(t), e);
    }
    expect([...byThread.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const { calls } of byThread.values()) expect(calls).toEqual([...Array(n).keys()]);
  }, 150_000);

  it('--count prints the calls per function on stderr instead of the calls', () => {
    const r = pdbg(['trace', 'tr_step,tr_fact', '--count', '--', prog, 'seq', '40']);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').slice(0, 5)).toEqual([
      '  calls function', '------- --------', '     40 tr_step', '      0 tr_fact', '------- --------',
    ]);
    expect(r.stderr).toMatch(/\n {5}40 total\n/);
  });

  it('follows a name a library brings later (--pending, dlopen)', async () => {
    const plugin = buildTarget('plugin', ['-shared', '-fPIC']);
    const trigger = join(dir, 'go');
    buildTarget('dlopener', ['-ldl']);
    const t = await startTracee('dlopener', [plugin, '3', trigger]);
    await t.waitFor(/ready \d+/);
    const run = pdbgAsync(['trace', String(t.pid), 'plugin_fn', '--pending', '--args', '1', '--ret']);
    // The trace waits for the library once the dynamic linker's hook holds our 0xCC.
    const hook = hookAddress(t.pid);
    while (rawMem(t.pid, hook, 1)[0] !== 0xcc) {
      if (run.child.exitCode !== null) throw new Error(`pdbg trace ended early: ${run.stderr()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    writeFileSync(trigger, '');
    const r = await run.done;
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['plugin_fn(0x0) = 1', 'plugin_fn(0x1) = 4', 'plugin_fn(0x2) = 7']);
  });

  it('stops cleanly on Ctrl-C: the calls so far written, the target running with its own bytes', async () => {
    const t = await startTracee('tracecalls', ['spin']);
    await t.waitFor(/ready \d+/);
    const run = pdbgAsync(['trace', String(t.pid), 'tr_step', '--args', '1']);
    while (run.stdout().split('\n').length < 50) {
      if (run.child.exitCode !== null) throw new Error(`pdbg trace ended early: ${run.stderr()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const args = r.stdout.trim().split('\n').map((l) => Number(/^tr_step\((0x[0-9a-f]+)\)$/.exec(l)![1]));
    args.forEach((a, i) => expect(a).toBe(args[0]! + i));
    await expectLeftRunning(t.pid);
  });

  it('ends promptly when its reader goes away (| head -3), the target running', async () => {
    const t = await startTracee('tracecalls', ['spin']);
    await t.waitFor(/ready \d+/);
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${pdbgBin}" trace ${t.pid} tr_step | head -3; echo "pdbg status \${PIPESTATUS[0]}"`], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    lines.slice(0, 3).forEach((l) => expect(l).toMatch(/^tr_step\(0x[0-9a-f]+, 0x0, 0x[0-9a-f]+\)$/));
    expect(lines[3]).toBe('pdbg status 0');
    expect(r.stderr).toBe('');
    await expectLeftRunning(t.pid);
  });

  it('is a command of pdbg script: the next continue writes the calls, untrace counts them', () => {
    const pid = pdbgStart('tracecalls', ['seq', '3'], join(dir, 'seq.out'));
    const r = pdbg(['script', String(pid), '-'], { input: 'trace tr_step --args 1 --ret\ncontinue\nuntrace\n' });
    expect(r.status).toBe(0);
    const out = r.stdout.trim().split('\n');
    expect(out[0]).toBe('(pdbg) trace tr_step --args 1 --ret');
    expect(out[1]).toMatch(/^tracing tr_step \(breakpoint 1 at 0x[0-9a-f]+ <tr_step>\)$/);
    expect(out.slice(2, 7)).toEqual(['(pdbg) continue', 'tr_step(0x0) = 1', 'tr_step(0x1) = 3', 'tr_step(0x2) = 5', 'exited with code 7']);
    expect(out.slice(7)).toEqual(['(pdbg) untrace', '  calls function', '------- --------', '      3 tr_step', '------- --------', '      3 total']);
  });

  it('refuses an unknown symbol and an unknown pid in one line, leaving the target as found', async () => {
    const t = await startTracee('tracecalls', ['spin']);
    await t.waitFor(/ready \d+/);
    const bad = pdbg(['trace', String(t.pid), 'tr_step,no_such_fn']);
    expect(isCleanError(bad)).toBe(true);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/no symbol 'no_such_fn'/);
    await expectLeftRunning(t.pid);
    const gone = pdbg(['trace', '4194000', 'tr_step']);
    expect(isCleanError(gone)).toBe(true);
    expect(gone.stderr).toBe('pdbg: no process 4194000\n');
    const usage = pdbg(['trace', String(t.pid), 'tr_step', '--args', '9']);
    expect(isCleanError(usage)).toBe(true);
    expect(usage.status).toBe(2);
  });
});
