/**
 * gdb's `handle` and `info signals` (issue 18 §3): the table equals gdb's, and it decides what a
 * signal does in a running session: `handle SIGHUP nostop pass` lets an nginx reload through a
 * script that sits in `continue` (before, every reload stopped it on `signal hup`); `nopass`
 * keeps a signal from the program; `print` says it passed.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pdbg, pdbgAsync } from './helpers/cli.js';
import { liveOk } from './helpers/root.js';
import { procState, startTarget, killAll } from './helpers/targets.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const live = liveOk('signals-handle');
const haveNginx = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).status === 0;
if (!haveNginx) console.log('signals-handle: nginx cases skipped: nginx is not installed (scripts/system-deps.sh installs nginx-light)');
const SIGS = ['HUP', 'INT', 'QUIT', 'ILL', 'TRAP', 'ABRT', 'BUS', 'FPE', 'KILL', 'USR1', 'SEGV', 'USR2', 'PIPE', 'ALRM', 'TERM', 'CHLD', 'CONT', 'STOP', 'TSTP', 'TTIN', 'TTOU', 'URG', 'XCPU', 'XFSZ', 'VTALRM', 'PROF', 'WINCH', 'IO', 'PWR', 'SYS'];

const loose: ChildProcess[] = [];
afterAll(() => {
  for (const c of loose) c.kill('SIGKILL');
  killAll();
});

/** The HTTP status of GET /; a worker that is shutting down after a reload may drop one connection, so a few tries. */
async function status(port: number): Promise<number> {
  let last: unknown;
  for (let k = 0; k < 10; k++) {
    try {
      return await statusOnce(port);
    } catch (err) {
      last = err;
      await sleep(100);
    }
  }
  throw last;
}

function statusOnce(port: number): Promise<number> {
  return new Promise((res, rej) => {
    const req = get({ host: '127.0.0.1', port, path: '/', timeout: 2000 }, (r) => {
      r.resume();
      res(r.statusCode ?? 0);
    });
    req.on('error', rej);
    req.on('timeout', () => req.destroy(new Error('no answer in 2 s')));
  });
}

function workers(master: number): number[] {
  const r = spawnSync('pgrep', ['-P', String(master)], { encoding: 'utf8' });
  return r.stdout.trim().split('\n').filter(Boolean).map(Number).sort((a, b) => a - b);
}

describe.runIf(live)('handle and info signals', () => {
  it('info signals prints gdb\'s table, row for row', () => {
    const t = startTarget('sighandler');
    const gdb = execFileSync('gdb', ['-nx', '-batch', ...SIGS.flatMap((s) => ['-ex', `info signals SIG${s}`])], { encoding: 'utf8' });
    const want = gdb.split('\n').filter((l) => l.startsWith('SIG'));
    const r = pdbg(['script', String(t.pid), '-'], { input: `info signals ${SIGS.join(' ')}\n` });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('Signal        Stop\tPrint\tPass to program\tDescription');
    expect(r.stdout.split('\n').filter((l) => l.startsWith('SIG'))).toEqual(want);
  });

  it('handle SIGUSR1 nostop print nopass: the script goes on, says so, and the program never gets it', async () => {
    const t = startTarget('sighandler');
    await t.waitFor(/ready \d+/);
    const p = pdbgAsync(['script', String(t.pid), '-']);
    p.child.stdin!.end('handle SIGUSR1 nostop print nopass\ncontinue\n');
    for (let k = 0; k < 400 && !p.stdout().includes('(pdbg) continue'); k++) await sleep(25);
    for (let k = 0; k < 400 && procState(t.pid).state !== 'S' && procState(t.pid).state !== 'R'; k++) await sleep(25);
    process.kill(t.pid, 'SIGUSR1');
    for (let k = 0; k < 400 && !p.stdout().includes('received signal SIGUSR1'); k++) await sleep(25);
    expect(p.stdout()).toContain(`[thread ${t.pid} received signal SIGUSR1, User defined signal 1 (not passed)]`);
    // Still in continue: the signal did not stop it.
    expect(p.child.exitCode).toBeNull();
    p.child.kill('SIGTERM');
    await p.done;
    await sleep(300);
    expect(t.stdout()).not.toContain('usr1');
    expect(procState(t.pid).tracerPid).toBe(0);
  });

  it.runIf(haveNginx)('handle SIGHUP nostop pass lets an nginx reload through a script in continue', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pdbg-nginx-'));
    mkdirSync(join(dir, 'logs'));
    const port = 22000 + (process.pid % 20000);
    writeFileSync(join(dir, 'nginx.conf'), [
      'worker_processes 2;', `pid ${dir}/nginx.pid;`, `error_log ${dir}/logs/error.log notice;`, 'events { worker_connections 64; }',
      'http {', '  access_log off;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `  ${k}_temp_path ${dir}/${k};`),
      `  server { listen 127.0.0.1:${port}; location / { return 200 "ok\\n"; } }`, '}', '',
    ].join('\n'));
    const master = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
    loose.push(master);
    for (let k = 0; k < 400 && workers(master.pid!).length < 2; k++) await sleep(25);
    expect(await status(port)).toBe(200);

    const before = workers(master.pid!);
    const p = pdbgAsync(['script', String(master.pid), '-']);
    p.child.stdin!.end('handle SIGHUP nostop pass\ncontinue\n');
    for (let k = 0; k < 400 && !(p.stdout().includes('(pdbg) continue') && procState(master.pid!).tracerPid === p.child.pid); k++) await sleep(25);
    expect(procState(master.pid!).tracerPid).toBe(p.child.pid);
    process.kill(master.pid!, 'SIGHUP');
    // New workers replace the old ones while pdbg still holds the master in its continue.
    for (let k = 0; k < 800 && workers(master.pid!).some((w) => before.includes(w)); k++) await sleep(25);
    const after = workers(master.pid!);
    expect(after.length).toBe(2);
    expect(after.some((w) => before.includes(w))).toBe(false);
    expect(await status(port)).toBe(200);
    expect(p.child.exitCode).toBeNull();
    expect(procState(master.pid!).tracerPid).toBe(p.child.pid);
    expect(p.stdout()).not.toMatch(/signal hup/);
    p.child.kill('SIGTERM');
    const r = await p.done;
    expect(r.stderr).toMatch(/released the target \(left as found\)/);
    expect(procState(master.pid!).tracerPid).toBe(0);
    expect(await status(port)).toBe(200);
    expect(readFileSync(join(dir, 'logs/error.log'), 'utf8')).toMatch(/reconfiguring/);
  });
});
