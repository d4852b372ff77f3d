/**
 * When pdbg ends, a target it found running runs on (issue 18 §1): the inspecting one-shots
 * (`bt`, `regs`, a `mem` read, a `script`) stop it only while they read, on every ending a
 * script can have; the control ones (`step`, a write) leave it stopped and say so on stderr;
 * `--keep-stopped` asks for the old way. Proved on a real redis that a client keeps talking to:
 * after each command the server answers within a second and no request is lost.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdbg, pdbgAsync } from './helpers/cli.js';
import { liveOk } from './helpers/root.js';
import { procState, rawMem } from './helpers/targets.js';

const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
const haveRedis = have('redis-server') && have('strace');
if (!haveRedis) console.log('leave-as-found: skipped: redis-server or strace is not installed (scripts/system-deps.sh installs them)');
const run = liveOk('leave-as-found') && haveRedis;

let server: ChildProcess | undefined;
let port = 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One redis command over a fresh connection; rejects if no reply within `ms`. */
function ask(cmd: string, ms = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`redis did not answer ${cmd} within ${ms} ms`));
    }, ms);
    sock.on('connect', () => sock.write(`${cmd}\r\n`));
    sock.on('data', (d) => {
      got += d.toString('latin1');
      if (got.endsWith('\r\n')) {
        clearTimeout(timer);
        sock.end();
        resolve(got.trim());
      }
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** Untraced, not stopped, and answering within a second. */
async function answering(pid: number): Promise<void> {
  const st = procState(pid);
  expect(st.tracerPid).toBe(0);
  expect(st.state).not.toBe('T');
  expect(await ask('PING')).toBe('+PONG');
}

/**
 * A client that INCRs a counter in a loop on one connection while `body` runs, with no timeout
 * of its own: every INCR it sent must be counted by the server at the end (none lost).
 */
async function underLoad(body: () => Promise<void>): Promise<void> {
  await ask('SET n 0');
  const sock = connect(port, '127.0.0.1');
  let sent = 0;
  let acked = 0;
  let stop = false;
  let buf = '';
  await new Promise<void>((r) => sock.on('connect', () => r()));
  const next = () => {
    if (stop) return;
    sent++;
    sock.write('INCR n\r\n');
  };
  sock.on('data', (d) => {
    buf += d.toString('latin1');
    let i;
    while ((i = buf.indexOf('\r\n')) >= 0) {
      buf = buf.slice(i + 2);
      acked++;
      next();
    }
  });
  next();
  try {
    await body();
  } finally {
    stop = true;
  }
  for (let k = 0; k < 100 && acked < sent; k++) await sleep(50);
  sock.end();
  expect(acked).toBe(sent);
  expect(await ask('INCRBY n 0')).toBe(`:${sent}`);
}

/** An address in redis's own first mapping, for `mem`. */
function someAddr(pid: number): string {
  const first = readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')[0]!;
  return `0x${first.split('-')[0]}`;
}

describe.runIf(run)('a running service is left running', () => {
  beforeAll(async () => {
    port = 20000 + (process.pid % 20000);
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--io-threads', '4'], { stdio: 'ignore' });
    for (let k = 0; k < 200; k++) {
      try {
        if ((await ask('PING', 500)) === '+PONG') return;
      } catch {
        /* not up yet */
      }
      await sleep(50);
    }
    throw new Error('redis-server did not come up');
  }, 30_000);

  afterAll(() => {
    server?.kill('SIGKILL');
  });

  const pid = () => server!.pid!;

  it.each([
    ['bt', () => ['bt', String(pid())]],
    ['regs', () => ['regs', String(pid())]],
    ['mem', () => ['mem', String(pid()), someAddr(pid()), '16']],
    ['bt --json', () => ['bt', String(pid()), '--json']],
  ])('pdbg %s leaves it answering, nothing lost', async (_name, args) => {
    await underLoad(async () => {
      const r = pdbg(args());
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    });
    await answering(pid());
  });

  it('a script without detach leaves it running', async () => {
    await underLoad(async () => {
      const r = pdbg(['script', String(pid()), '-'], { input: 'info threads\nbt\nregs\n' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('(pdbg) bt');
    });
    await answering(pid());
  });

  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)('a script killed by %s in continue leaves it running', async (sig) => {
    await underLoad(async () => {
      const p = pdbgAsync(['script', String(pid()), '-']);
      p.child.stdin!.end('break abort\ncontinue\ninfo threads\n');
      for (let k = 0; k < 400 && !p.stdout().includes('(pdbg) continue'); k++) await sleep(25);
      expect(p.stdout()).toContain('(pdbg) continue');
      // The server runs meanwhile: `continue` lets it go.
      expect(await ask('PING')).toBe('+PONG');
      p.child.kill(sig);
      const r = await p.done;
      expect(r.stderr).toMatch(/released the target \(left as found\)/);
      expect(r.stdout).not.toContain('(pdbg) info threads');
    });
    await answering(pid());
    // The int3 at abort is gone: the bytes there equal the library file's (checked by gdb's x would
    // need libc's offset; the server answering after many INCRs covers the path that matters).
  });

  it('a mem read does not stop it at all: it reads a process another tracer holds', async () => {
    // strace holds redis's threads as their tracer: any attach would be EBUSY, so a dump that
    // succeeds and equals /proc/PID/mem read no process that pdbg stopped.
    const strace = spawn('strace', ['-f', '-p', String(pid()), '-o', '/dev/null'], { stdio: 'ignore' });
    try {
      for (let k = 0; k < 400 && procState(pid()).tracerPid !== strace.pid; k++) await sleep(25);
      expect(procState(pid()).tracerPid).toBe(strace.pid);
      const addr = someAddr(pid());
      const r = pdbg(['mem', String(pid()), addr, '16', '--json']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const want = rawMem(pid(), BigInt(addr), 16).toString("hex");
      expect(JSON.parse(r.stdout).bytes).toBe(want);
      expect(procState(pid()).tracerPid).toBe(strace.pid);
    } finally {
      strace.kill('SIGINT');
      await new Promise((res) => strace.on('exit', res));
    }
    await answering(pid());
  });

  it('--keep-stopped leaves it stopped; pdbg detach resumes it', async () => {
    const r = pdbg(['bt', String(pid()), '--keep-stopped']);
    expect(r.status).toBe(0);
    expect(procState(pid())).toEqual({ state: 'T', tracerPid: 0 });
    await expect(ask('PING', 300)).rejects.toThrow(/did not answer/);
    expect(pdbg(['detach', String(pid())]).status).toBe(0);
    await answering(pid());
  });

  it('a control one-shot (step) leaves it stopped and says so in one line', async () => {
    const r = pdbg(['step', String(pid())]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^pdbg: left stopped at 0x[0-9a-f]+ .*\\(thread \\d+\\); pdbg detach ${pid()} resumes it\\n$`));
    expect(procState(pid())).toEqual({ state: 'T', tracerPid: 0 });
    // A read-only command on a target found stopped leaves it stopped.
    expect(pdbg(['regs', String(pid())]).status).toBe(0);
    expect(procState(pid())).toEqual({ state: 'T', tracerPid: 0 });
    expect(pdbg(['detach', String(pid())]).status).toBe(0);
    await answering(pid());
  });
});
