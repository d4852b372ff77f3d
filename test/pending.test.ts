/**
 * Pending breakpoints: a name no loaded module defines yet waits for the library that does,
 * through the dynamic linker's load hook (`_dl_debug_state`, solib-events.ts). Real dlopen of a
 * library built here, a stripped program started at its exec stop, and the hook's byte put back.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../src/commands/client.js';
import { runCommandLine } from '../src/commands/commands.js';
import { Session } from '../src/engine/session.js';
import { LinuxProcFs } from '../src/procfs/sources/linux/index.js';
import { pdbg } from './helpers/cli.js';
import { liveOk } from './helpers/root.js';
import { buildTarget, procState, rawMem } from './helpers/targets.js';
import { killPids, releaseSessions } from './helpers/cleanup.js';

/** One client per session, as a user interface holds one (its value history and displays last). */
const clients = new Map<Session, Client>();
function client(s: Session): Client {
  let c = clients.get(s);
  if (!c) clients.set(s, (c = new Client(s)));
  return c;
}

const live = liveOk('pending breakpoints');
let dir: string;
let fs: LinuxProcFs;
const sessions: Session[] = [];
const pids: number[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pdbg-pending-'));
  fs = new LinuxProcFs();
});
afterEach(async () => {
  await releaseSessions(sessions);
  killPids(pids);
});
afterAll(async () => {
  await fs?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The dynamic linker's hook address in `pid`, read from its maps and ld.so's symbol table. */
function hookAddress(pid: number): bigint {
  const maps = readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').filter((l) => /\/ld-linux-x86-64\.so\.2$/.test(l));
  const base = BigInt(`0x${maps[0]!.split('-')[0]}`);
  const nm = execFileSync('nm', ['-D', '/lib64/ld-linux-x86-64.so.2'], { encoding: 'utf8' });
  const off = BigInt(`0x${/^([0-9a-f]+) T _dl_debug_state/m.exec(nm)![1]}`);
  return base + off;
}

describe.skipIf(!live)('pending breakpoints', () => {
  it('break on a function of a library dlopened later: pending, then hit in it; the hook byte goes back', async () => {
    const plugin = buildTarget('plugin', ['-shared', '-fPIC']);
    const trigger = join(dir, 'go-1');
    const out = join(dir, 'dlopener-1.out');
    const s = await Session.launch(fs, [buildTarget('dlopener', ['-ldl']), plugin, '3', trigger], { stdout: out, stderr: 'ignore', stdin: 'ignore' });
    sessions.push(s);
    pids.push(s.pid);
    // Run into main first: libc is loaded, the plugin is not.
    await s.runUntil('main');
    const said: string[] = [];
    s.onMessage((m) => said.push(m));
    const b = await runCommandLine(client(s), 'break plugin_fn');
    expect(b.lines[0]).toMatch(/^breakpoint 2 \(plugin_fn\) pending: no loaded module defines it/);
    expect((await runCommandLine(client(s), 'breakpoints')).lines).toEqual(['  2 keep <PENDING> plugin_fn']);
    expect((await runCommandLine(client(s), 'info breakpoints')).lines[1]).toMatch(/^2\s+breakpoint\s+keep y\s+<PENDING>\s+plugin_fn$/);
    const hook = hookAddress(s.pid);
    expect(rawMem(s.pid, hook, 1)[0]).toBe(0xcc);
    writeFileSync(trigger, '');
    const stops: string[] = [];
    for (let i = 0; i < 3; i++) {
      const ev = await s.cont();
      expect(ev).toMatchObject({ kind: 'breakpoint', id: 2 });
      stops.push(s.describe((ev as { pc: bigint }).pc));
      expect(await s.reg('rdi')).toBe(BigInt(i));
    }
    expect(stops.every((w) => /<plugin_fn>$/.test(w))).toBe(true);
    expect(said.filter((m) => /^breakpoint 2 \(plugin_fn\) planted at 0x[0-9a-f]+ <plugin_fn>: its library is loaded$/.test(m))).toHaveLength(1);
    // Nothing waits any more: the hook was lifted, its byte is the loader's `ret` again.
    expect(rawMem(s.pid, hook, 1)[0]).toBe(0xc3);
    expect(await s.cont()).toEqual({ kind: 'exited', code: 0 });
    expect(readFileSync(out, 'utf8')).toContain('total 12');
  });

  it('deleting a pending breakpoint, or releasing the target, puts the hook byte back', async () => {
    const plugin = buildTarget('plugin', ['-shared', '-fPIC']);
    const trigger = join(dir, 'go-2');
    const s = await Session.launch(fs, [buildTarget('dlopener', ['-ldl']), plugin, '1', trigger], { stdout: 'ignore', stderr: 'ignore', stdin: 'ignore' });
    sessions.push(s);
    pids.push(s.pid);
    await s.runUntil('main');
    const hook = hookAddress(s.pid);
    const p = await s.break('plugin_fn', { pending: true });
    expect(rawMem(s.pid, hook, 1)[0]).toBe(0xcc);
    await s.delete(p.id);
    expect(rawMem(s.pid, hook, 1)[0]).toBe(0xc3);
    expect(s.pendingBreakpoints()).toEqual([]);
    await s.break('plugin_fn', { pending: true });
    expect(rawMem(s.pid, hook, 1)[0]).toBe(0xcc);
    const pid = s.pid;
    await s.detach({ leave: 'stopped' });
    expect(rawMem(pid, hook, 1)[0]).toBe(0xc3);
    expect(procState(pid)).toEqual({ state: 'T', tracerPid: 0 });
  });

  it('a name that is not a symbol (an address, an expression) is never pending', async () => {
    const s = await Session.launch(fs, [buildTarget('breakme'), '1'], { stdout: 'ignore', stderr: 'ignore', stdin: 'ignore' });
    sessions.push(s);
    pids.push(s.pid);
    await expect(s.break('0x', { pending: true })).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(s.break('target_fn+', { pending: true })).rejects.toMatchObject({ code: 'EINVAL' });
    expect(s.pendingBreakpoints()).toEqual([]);
  });

  it('pdbg run --until a libc function on a stripped program held at its exec stop', async () => {
    const stripped = join(dir, 'breakme-stripped');
    copyFileSync(buildTarget('breakme'), stripped);
    execFileSync('strip', ['--strip-all', stripped]);
    expect(execFileSync('nm', [stripped], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()).toBe('');
    const out = join(dir, 'stripped.out');
    const started = pdbg(['start', '--stdout', out, '--', stripped, '2']);
    expect(started.status).toBe(0);
    const pid = Number(started.stdout.trim());
    pids.push(pid);
    const run = pdbg(['run', String(pid), '--until', 'setvbuf', '--json']);
    expect(run.stderr).toMatch(/^pdbg: left stopped at 0x[0-9a-f]+ .*\(thread \d+\); pdbg detach \d+ resumes it\n$/);
    expect(run.status).toBe(0);
    const ev = JSON.parse(run.stdout) as { kind: string; where: string };
    expect(ev.kind).toBe('breakpoint');
    expect(ev.where).toMatch(/<(_IO_)?setvbuf>$/);
    // None of main's output yet (the first thing main does is setvbuf), and the target is left stopped, untraced.
    expect(readFileSync(out, 'utf8')).toBe('');
    expect(procState(pid)).toEqual({ state: 'T', tracerPid: 0 });
    // A typo at a stop outside the dynamic linker is still an error, not a run to the exit.
    const typo = pdbg(['run', String(pid), '--until', 'no_such_fn']);
    expect(typo.status).not.toBe(0);
    expect(typo.stderr).toMatch(/^pdbg: .*no symbol 'no_such_fn'/);
  });
});
