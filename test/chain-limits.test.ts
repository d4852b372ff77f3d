import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { chainLimits } from '../src/chain/limits.js';
import { UsageError } from '../src/cli/errors.js';
import { encodeOk, Kind, PROTOCOL_VERSION } from '../src/remote/protocol.js';
import { connectAgent } from '../src/remote/connect.js';
import { isCleanError, pdbg, pdbgBin } from './helpers/cli.js';
import { liveOk, cliOk } from './helpers/root.js';

/**
 * Fake far sides behind `--via ssh:far` (PDBG_SSH is the fake `ssh`): each writes the pids of
 * what it started and its process group to a file, so the test can see that pdbg leaves none
 * of it behind.
 */
const dir = mkdtempSync(join(tmpdir(), 'pdbg-chain-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// An agent that answers the hello (the real bytes of this pdbg's protocol) and then either
// never answers anything or sends a frame over the size limit; deaf to the end of its input.
// (Started in the background with its stdin given explicitly: sh gives a background job /dev/null.)
const HELLO = encodeOk(0, Kind.HELLO, { version: PROTOCOL_VERSION, agent: 'fake agent' }).toString('hex');
const AGENT = join(dir, 'fake-agent.cjs');
writeFileSync(AGENT, `
const mode = process.argv[2];
let got = Buffer.alloc(0);
let greeted = false;
process.stdin.on('data', (d) => {
  got = Buffer.concat([got, d]);
  if (greeted || got.length < 4 || got.length < 4 + got.readUInt32LE(0)) return;
  greeted = true;
  process.stdout.write(Buffer.from('${HELLO}', 'hex'));
  if (mode === 'garbage') process.stdout.write(Buffer.from('ffffffff0100000080000000', 'hex'));
});
process.stdin.on('end', () => {});
setInterval(() => {}, 1 << 30);
`);

type Far = 'silent' | 'chatty' | 'ready-exit' | 'mute' | 'garbage';

const BODY: Record<Far, string> = {
  silent: 'sleep 1000 & echo $! >>"$pids"; wait',
  chatty: 'while :; do echo "Welcome to far: a login banner that never ends"; done',
  'ready-exit': 'echo pdbg-agent-ready; exit 3',
  mute: `echo pdbg-agent-ready; exec 3<&0; node ${AGENT} mute <&3 3<&- & echo $! >>"$pids"; wait`,
  garbage: `echo pdbg-agent-ready; exec 3<&0; node ${AGENT} garbage <&3 3<&- & echo $! >>"$pids"; wait`,
};

function fakeSsh(far: Far): { ssh: string; pids: string } {
  const pids = join(dir, `${far}.pids`);
  rmSync(pids, { force: true });
  const ssh = join(dir, `ssh-${far}`);
  // Field 5 of stat is the process group; a script's comm has no blank.
  writeFileSync(ssh, `#!/bin/sh\npids=${pids}\nread -r a b c d pg rest </proc/$$/stat\necho "$$ $pg" >"$pids"\n${BODY[far]}\n`, { mode: 0o755 });
  return { ssh, pids };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return false;
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(cond: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; !cond(); ) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

// What a fake started, killed after each test whatever happened (on the unfixed code it stays).
let started: number[] = [];
afterEach(() => {
  for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
  started = [];
});

const LIMIT_S = 2;
// Generous: the limit is 2 s, a loaded machine may take many times that to start node twice.
const BOUND_MS = 45_000;

async function runAgainst(far: Far, limitS = LIMIT_S): Promise<{ stderr: string; ms: number }> {
  const { ssh, pids } = fakeSsh(far);
  const t0 = Date.now();
  const r = pdbg(['--via', 'ssh:far', 'ps'], { env: { PDBG_SSH: ssh, PDBG_VIA_TIMEOUT: String(limitS) }, timeout: 90_000 });
  const ms = Date.now() - t0;
  const lines = existsSync(pids) ? readFileSync(pids, 'utf8').trim().split('\n') : [];
  const [lead, pgid] = (lines[0] ?? '').split(' ').map(Number);
  started = [lead!, ...lines.slice(1).map(Number)].filter((p) => p > 0);
  expect(r.signal, `pdbg was still running after 90 s: ${r.stderr}`).toBe(null);
  expect(isCleanError(r), r.stderr).toBe(true);
  expect(ms).toBeLessThan(BOUND_MS);
  // The chain ran as its own process group, and nothing of it is left.
  expect(pgid).toBe(lead);
  expect(await waitUntil(() => !groupAlive(pgid!), 10_000), `process group ${pgid} still has members`).toBe(true);
  for (const pid of started) expect(alive(pid), `pid ${pid} of the chain`).toBe(false);
  return { stderr: r.stderr.trim(), ms };
}

describe.skipIf(!cliOk('PDBG_VIA_TIMEOUT'))('PDBG_VIA_TIMEOUT', () => {
  it('defaults to 30 s, takes seconds, 0 for none, and refuses anything else', () => {
    expect(chainLimits({})).toEqual({ handshakeMs: 30_000, requestMs: 30_000, installMs: 300_000 });
    expect(chainLimits({ PDBG_VIA_TIMEOUT: '1.5' })).toEqual({ handshakeMs: 1500, requestMs: 1500, installMs: 15_000 });
    expect(chainLimits({ PDBG_VIA_TIMEOUT: '0' })).toEqual({ handshakeMs: undefined, requestMs: undefined, installMs: undefined });
    for (const bad of ['-1', 'x', '1e3', '9999999']) expect(() => chainLimits({ PDBG_VIA_TIMEOUT: bad }), bad).toThrow(UsageError);
  });

  it('a bad value is one usage line from the CLI', () => {
    const r = pdbg(['--via', 'ssh:far', 'ps'], { env: { PDBG_VIA_TIMEOUT: 'soon' } });
    expect(isCleanError(r), r.stderr).toBe(true);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/PDBG_VIA_TIMEOUT: 'soon' is not a number of seconds/);
  });
});

describe.skipIf(!cliOk('a far side that misbehaves ends pdbg with one line, its chain torn down'))('a far side that misbehaves ends pdbg with one line, its chain torn down', () => {
  it('one that never prints: cut at the handshake limit', async () => {
    const { stderr } = await runAgainst('silent');
    expect(stderr).toBe(`pdbg: via ssh:far: the far side printed nothing in ${LIMIT_S} s; PDBG_VIA_TIMEOUT sets the limit`);
  }, 120_000);

  it('one that prints short lines for ever: cut at 64 KiB in all', async () => {
    const { stderr } = await runAgainst('chatty');
    expect(stderr).toMatch(/^pdbg: via ssh:far: the far side printed 64 KiB before the agent started/);
  }, 120_000);

  it('one that says ready and exits: its exit status, at once', async () => {
    // A limit far above the bound: nothing may wait it out (the unfixed code waited 15 s).
    const { stderr, ms } = await runAgainst('ready-exit', 80);
    expect(stderr).toBe('pdbg: via ssh:far: the chain ended (exit status 3) after the agent said it was ready, before its hello');
    expect(ms).toBeLessThan(BOUND_MS);
  }, 120_000);

  it('one that answers the hello, then never a request: cut at the request limit', async () => {
    const { stderr } = await runAgainst('mute');
    expect(stderr).toBe(`pdbg: connection to the agent lost: no reply to pids from ssh:far in ${LIMIT_S} s; PDBG_VIA_TIMEOUT sets the limit`);
  }, 120_000);

  it('one that sends a malformed frame after the hello: the protocol line, and pdbg exits', async () => {
    const { stderr } = await runAgainst('garbage');
    expect(stderr).toMatch(/^pdbg: connection to the agent lost: the agent sent a malformed frame: /);
  }, 120_000);
});

describe.skipIf(!liveOk('a ctl wait outlives the request limit'))('requests that wait on the target', () => {
  it('a ctl wait and a request queued behind it outlive the limit: only idle requests are cut', async () => {
    // Lives until the test ends it: under load connecting the agent alone can take seconds.
    const target = spawn('sleep', ['1000'], { stdio: 'ignore' });
    const fs = await connectAgent([process.execPath, pdbgBin, 'serve', '--stdio'], { requestTimeoutMs: 500, stderr: 'ignore' });
    try {
      const pid = target.pid!;
      await fs.write(pid, 'ctl', 'attach');
      await fs.write(pid, 'ctl', 'wait');
      const t0 = Date.now();
      // One burst, as the engine's resume is: the agent answers `run` only with the `wait` after
      // it, which ends when sleep is killed, seconds past the 0.5 s limit; pids waits behind both.
      const ending = setTimeout(() => target.kill('SIGTERM'), 2500);
      const settled = await Promise.allSettled([fs.write(pid, 'ctl', 'run'), fs.write(pid, 'ctl', 'wait'), fs.pids()]);
      clearTimeout(ending);
      expect(Date.now() - t0).toBeGreaterThan(1000);
      for (const s of settled) if (s.status === 'rejected') expect(String(s.reason)).not.toMatch(/connection to the agent lost/);
      expect(settled[0]!.status).toBe('fulfilled');
      expect(settled[2]!.status).toBe('fulfilled');
      // And the connection is still good afterwards.
      expect((await fs.pids()).length).toBeGreaterThan(0);
    } finally {
      await fs.close();
      target.kill('SIGKILL');
    }
  }, 60_000);
});
