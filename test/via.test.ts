import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../src/cli/errors.js';
import { agentBundle } from '../src/chain/bundle.js';
import { chainWrap, openAgent, runAgent } from '../src/chain/establish.js';
import { chainsOf, parseChain } from '../src/chain/hops.js';
import { shJoin, shQuote, splitWords } from '../src/chain/quote.js';
import { remoteClientReady, remoteProcFs } from '../src/chain/remote.js';
import { Session } from '../src/engine/session.js';
import { ProcessSymbols } from '../src/engine/symbols/process-symbols.js';
import { ProcfsError } from '../src/procfs/errors.js';
import { LinuxProcFs } from '../src/procfs/sources/linux/index.js';
import { direct, wrapHop } from '../src/chain/wrap.js';
import { isCleanError, killStarted, pdbg, pdbgStart } from './helpers/cli.js';
import { destroyAllJails, makeJail, type Jail } from './helpers/jails.js';
import { liveOk } from './helpers/root.js';
import { procState, rawMem } from './helpers/targets.js';
import { killAllTracees, startTracee } from './helpers/tracee.js';
import { freePort, sshdMissing, startSshd, stopAllSshd, type Sshd } from './helpers/sshd.js';

// Every word a shell could act on: blanks, both quotes, command substitution, separators, globs.
const HOSTILE = ["a b", "it's", '"dq"', '$(touch /tmp/pdbg-via-pwned)', '`id`', 'x;touch /tmp/pdbg-via-pwned', '*', '$HOME', "'\\''", '\\', '-n', ''];
const PWNED = '/tmp/pdbg-via-pwned';

describe('hop parsing', () => {
  it('parses every hop kind, nearest first', () => {
    expect(parseChain('ssh:root@web1:2222,sudo:www,jail:www,jail:4026532301,nsenter:42,sudo').hops).toEqual([
      { kind: 'ssh', user: 'root', host: 'web1', port: 2222 },
      { kind: 'sudo', user: 'www' },
      { kind: 'jail', name: 'www' },
      { kind: 'jail', jid: 4026532301 },
      { kind: 'nsenter', pid: 42 },
      { kind: 'sudo' },
    ]);
    expect(parseChain('ssh:[::1]:22').hops).toEqual([{ kind: 'ssh', host: '::1', port: 22 }]);
    expect(parseChain('ssh:h').hops).toEqual([{ kind: 'ssh', host: 'h' }]);
  });

  it('takes repeated --via as separate chains, else PDBG_VIA', () => {
    expect(chainsOf(['ssh:a', 'ssh:b,sudo']).map((c) => c.text)).toEqual(['ssh:a', 'ssh:b,sudo']);
    expect(chainsOf(undefined, { PDBG_VIA: 'sudo' }).map((c) => c.hops)).toEqual([[{ kind: 'sudo' }]]);
    expect(chainsOf(undefined, {})).toEqual([]);
  });

  it('refuses bad hops with a usage error, option-like hosts included', () => {
    for (const bad of ['', 'ssh:', 'ssh:-oProxyCommand=x', 'ssh:h:0', 'ssh:h:99999', 'ssh:a b', 'ssh:u;x@h', 'sudo:-u', 'nsenter:', 'nsenter:0', 'nsenter:1x', 'jail:', 'bogus:x', 'ssh:h,,sudo']) {
      expect(() => parseChain(bad), bad).toThrow(UsageError);
    }
  });

  it('takes a bracketed IPv6 host, with a user and a port, and says what is wrong with a malformed one', () => {
    expect(parseChain('ssh:[::1]').hops).toEqual([{ kind: 'ssh', host: '::1' }]);
    expect(parseChain('ssh:[::1]:2222').hops).toEqual([{ kind: 'ssh', host: '::1', port: 2222 }]);
    expect(parseChain('ssh:user@[::1]:22,sudo').hops).toEqual([{ kind: 'ssh', user: 'user', host: '::1', port: 22 }, { kind: 'sudo' }]);
    expect(parseChain('ssh:[fe80::1%eth0]').hops).toEqual([{ kind: 'ssh', host: 'fe80::1%eth0' }]);
    const said = (text: string): string => {
      try {
        parseChain(text);
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as Error).message;
      }
      throw new Error(`${text} was accepted`);
    };
    expect(said('ssh:[::1')).toMatch(/^--via: bad hop 'ssh:\[::1': '\[::1' has no '\]' to close its IPv6 address/);
    expect(said('ssh:[::1]x')).toMatch(/'x' after '\]' is not :PORT/);
    expect(said('ssh:[::1]:')).toMatch(/port '' is not 1\.\.65535/);
    expect(said('ssh:[::1]:0')).toMatch(/port '0' is not 1\.\.65535/);
    for (const bad of ['ssh:[]', 'ssh:[zz]', 'ssh:[1.2.3.4]', 'ssh:[::1;x]', 'ssh:[fe80::1%$(id)]']) expect(said(bad), bad).toMatch(/in brackets is not an IPv6 address/);
  });

  it('is one line and status 2 from the CLI', () => {
    const r = pdbg(['--via', 'ssh:-oProxyCommand=touch /tmp/x', 'ps']);
    expect(isCleanError(r)).toBe(true);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--via: bad hop/);
  });
});

describe('quoting for a far shell', () => {
  it('gives a POSIX shell back exactly the words', () => {
    const r = spawnSync('sh', ['-c', `printf '%s\\n' ${shJoin(HOSTILE)}`], { encoding: 'utf8' });
    expect(r.stdout).toBe(HOSTILE.map((w) => `${w}\n`).join(''));
    expect(existsSync(PWNED)).toBe(false);
    expect(shQuote('plain-word')).toBe('plain-word');
    expect(shQuote("it's")).toBe(`'it'\\''s'`);
  });

  it('splits PDBG_SSH into words without expanding anything', () => {
    expect(splitWords(`ssh -i '/k ey' -o "A=b c" x\\ y $(no)`, 'PDBG_SSH')).toEqual(['ssh', '-i', '/k ey', '-o', 'A=b c', 'x y', '$(no)']);
    expect(() => splitWords(`ssh 'open`, 'PDBG_SSH')).toThrow(/unclosed/);
  });

  it('builds argv arrays for every hop, the ssh command last and whole', () => {
    const far = ['echo', 'a b'];
    expect(wrapHop({ kind: 'sudo', user: 'www' })(far)).toEqual(['sudo', '-n', '-u', 'www', '--', 'echo', 'a b']);
    expect(wrapHop({ kind: 'ssh', host: 'h', port: 2, user: 'u' }, {})(far)).toEqual(['ssh', '-p', '2', '-o', 'BatchMode=yes', '-o', 'ServerAliveInterval=10', '-o', 'ServerAliveCountMax=3', '-T', '--', 'u@h', `echo 'a b'`]);
    // The keepalive follows PDBG_VIA_TIMEOUT, and is left to ssh's defaults without a limit.
    expect(wrapHop({ kind: 'ssh', host: 'h' }, { PDBG_VIA_TIMEOUT: '90' })(far)).toContain('ServerAliveInterval=30');
    expect(wrapHop({ kind: 'ssh', host: '::1' }, { PDBG_VIA_TIMEOUT: '0' })(far)).toEqual(['ssh', '-o', 'BatchMode=yes', '-T', '--', '::1', `echo 'a b'`]);
    expect(wrapHop({ kind: 'ssh', host: 'h' }, { PDBG_SSH: `ssh -i '/k y'` })(far).slice(0, 3)).toEqual(['ssh', '-i', '/k y']);
    const ns = wrapHop({ kind: 'nsenter', pid: 7 })(far);
    expect(ns.slice(0, 2)).toEqual(['sh', '-c']);
    expect(ns.slice(4)).toEqual(['7', ns[5], 'echo', 'a b']);
  });
});

describe('the agent bundle', () => {
  it('is one tar of dist, package.json and the runtime node_modules, named by its sha256', () => {
    const b = agentBundle();
    expect(b.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(agentBundle().hash).toBe(b.hash);
    const list = spawnSync('tar', ['-t'], { input: b.tar, encoding: 'utf8', maxBuffer: 1 << 24 }).stdout.split('\n');
    for (const need of ['bin/pdbg.js', 'package.json', 'dist/src/cli/main.js', 'dist/native/index.js', 'node_modules/koffi/package.json', 'node_modules/yargs/package.json', 'node_modules/yargs-parser/package.json', 'node_modules/iced-x86/package.json']) {
      expect(list, need).toContain(need);
    }
    expect(list.some((f) => f.startsWith('node_modules/@koromix/koffi-linux-'))).toBe(true);
    expect(list.some((f) => f.startsWith('node_modules/blessed/'))).toBe(false);
    expect(list.some((f) => f.endsWith('.map') || f.startsWith('dist/test/'))).toBe(false);
  });
});

describe('an installed pdbg', () => {
  const saved = { PATH: process.env.PATH, HOME: process.env.HOME };
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pdbg-via-installed-'));
    mkdirSync(join(dir, 'bin'));
    mkdirSync(join(dir, 'home'));
    process.env.PATH = `${join(dir, 'bin')}:${saved.PATH}`;
    process.env.HOME = join(dir, 'home');
  });
  afterAll(() => {
    process.env.PATH = saved.PATH;
    process.env.HOME = saved.HOME;
    rmSync(dir, { recursive: true, force: true });
  });
  const fake = (version: string): void => {
    writeFileSync(join(dir, 'bin', 'pdbg'), `#!/bin/sh\nif [ "$1" = --version ]; then echo ${version}; else echo "installed $*"; fi\n`, { mode: 0o755 });
  };

  it('of the same version is used as is: nothing shipped', async () => {
    fake(agentBundle().version);
    expect(await runAgent(direct, ['jls', 'a b'], 'local')).toBe('installed jls a b\n');
    expect(existsSync(join(dir, 'home', '.cache'))).toBe(false);
  });

  it('of another version is not: the bundle is shipped and run', async () => {
    fake('0.0.0-other');
    expect((await runAgent(direct, ['--version'], 'local')).trim()).toBe(agentBundle().version);
    expect(existsSync(join(dir, 'home', '.cache', 'pdbg', `agent-${agentBundle().hash}`, '.ok'))).toBe(true);
  });
});

async function waitUntil(cond: () => boolean, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !cond(); ) {
    if (Date.now() > end) throw new Error(`condition not met in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const noSshd = sshdMissing();
if (noSshd) console.log(`via.test: sshd tests skipped: ${noSshd}`);

describe.skipIf(noSshd !== null || !liveOk('chains through a real sshd'))('chains through a real sshd on loopback', () => {
  let sshd: Sshd;
  let jail: Jail;
  let bare: Jail;
  const savedSsh = process.env.PDBG_SSH;

  beforeAll(async () => {
    sshd = await startSshd();
    process.env.PDBG_SSH = sshd.sshCommand;
    jail = await makeJail('pdbg-via-jail', 41, undefined, { mountProc: true });
    bare = await makeJail('pdbg-via-bare', 42);
  });
  afterAll(() => {
    destroyAllJails();
    sshd?.stop();
    stopAllSshd();
    if (savedSsh === undefined) delete process.env.PDBG_SSH;
    else process.env.PDBG_SSH = savedSsh;
  });

  const env = (): NodeJS.ProcessEnv => ({ PDBG_SSH: sshd.sshCommand });
  const psPids = async (chain: string): Promise<{ pid: number; comm: string }[]> =>
    JSON.parse(await runAgent(await chainWrap(parseChain(chain)), ['ps', '-o', 'pid,comm', '--json'], chain)) as { pid: number; comm: string }[];
  const localPids = (): Set<number> => new Set(readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number));
  // Seconds since boot at which a process started (field 22 of stat, in clock ticks of 100 Hz);
  // Infinity when it is gone. Other agents' tests come and go on this machine meanwhile.
  const startedAt = (pid: number): number => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]) / 100;
    } catch {
      return Infinity;
    }
  };
  const uptime = (): number => Number(readFileSync('/proc/uptime', 'latin1').split(' ')[0]);

  it('hands the far shell every word intact: nothing in them runs', async () => {
    const w = await chainWrap(parseChain(sshd.hop));
    const argv = w(['printf', '%s\\n', ...HOSTILE].map((x) => x.replace('%s\\n', '%s\n')));
    const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(HOSTILE.map((x) => `${x}\n`).join(''));
    expect(existsSync(PWNED)).toBe(false);
  });

  it('ships the agent from scratch into $HOME/.cache/pdbg/agent-HASH, 0700, and reuses it', async () => {
    const cache = join(sshd.home, '.cache', 'pdbg');
    rmSync(join(sshd.home, '.cache'), { recursive: true, force: true });
    const before = localPids();
    const t0 = uptime();
    const listed = await psPids(sshd.hop);
    const after = localPids();
    const b = agentBundle();
    const dir = join(cache, `agent-${b.hash}`);
    expect(existsSync(join(dir, '.ok'))).toBe(true);
    expect(statSync(cache).mode & 0o777).toBe(0o700);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    // Only the agent and nothing else: no temporary directory left behind.
    expect(readdirSync(cache)).toEqual([`agent-${b.hash}`]);
    // The far side is this machine: every process alive all along is in its listing.
    const far = new Set(listed.map((p) => p.pid));
    const longLived = [...before].filter((p) => after.has(p) && startedAt(p) < t0 - 5);
    expect(longLived.filter((p) => !far.has(p))).toEqual([]);
    expect(far.has(jail.pid)).toBe(true);
    // A second run finds the cache: the same .ok, not a reinstall.
    const ok = statSync(join(dir, '.ok'));
    await psPids(sshd.hop);
    const again = statSync(join(dir, '.ok'));
    expect([again.ino, again.mtimeMs]).toEqual([ok.ino, ok.mtimeMs]);
  });

  it('refuses a cache directory that is a symlink, writing nothing through it', async () => {
    const cache = join(sshd.home, '.cache', 'pdbg');
    const elsewhere = mkdtempSync(join(tmpdir(), 'pdbg-via-elsewhere-'));
    mkdirSync(join(sshd.home, '.cache'), { recursive: true });
    renameSync(cache, `${cache}.real`);
    symlinkSync(elsewhere, cache);
    try {
      await expect(psPids(sshd.hop)).rejects.toThrow(/symlink: refused/);
      expect(readdirSync(elsewhere)).toEqual([]);
    } finally {
      rmSync(cache);
      renameSync(`${cache}.real`, cache);
      rmSync(elsewhere, { recursive: true, force: true });
    }
    expect(lstatSync(cache).isDirectory()).toBe(true);
  });

  // The jail's own view: its init is pid 1, and it sees only its processes and the agent.
  const expectJailView = (listed: { pid: number; comm: string }[], j: Jail): void => {
    expect(listed.find((p) => p.pid === 1)?.comm).toBe('sh');
    const others = listed.filter((p) => p.comm !== 'node');
    expect(others.map((p) => p.comm).sort()).toEqual(['sh', 'sleep', 'sleep']);
    expect(listed.length).toBe(j.pids().length + 1);
    expect(Math.max(...listed.map((p) => p.pid))).toBeLessThan(100);
  };

  it('ssh,jail:NAME: inside a jail with its own /proc, the jail\'s own pids only', async () => {
    expectJailView(await psPids(`${sshd.hop},jail:${jail.hostname}`), jail);
  });

  it('ssh,jail:JID: the same jail by its id', async () => {
    expectJailView(await psPids(`${sshd.hop},jail:${jail.jid}`), jail);
  });

  it("a jail that kept the host's /proc still lists as itself (a private /proc for the agent)", async () => {
    expectJailView(await psPids(`${sshd.hop},jail:${bare.hostname}`), bare);
  });

  it('ssh,nsenter:PID: all namespaces of that process', async () => {
    expectJailView(await psPids(`${sshd.hop},nsenter:${jail.pid}`), jail);
  });

  it('ssh,sudo: the agent runs through sudo -n', async () => {
    const b = agentBundle();
    // sudo's HOME is root's own: take back only what this test put there.
    const made = ['/root/.cache', '/root/.cache/pdbg', `/root/.cache/pdbg/agent-${b.hash}`].filter((d) => !existsSync(d));
    try {
      const out = await runAgent(await chainWrap(parseChain(`${sshd.hop},sudo`)), ['--version'], 'sudo');
      expect(out.trim()).toBe(b.version);
    } finally {
      if (made[0]) rmSync(made[0], { recursive: true, force: true });
    }
  });

  it('a hostile jail name is matched, never run', async () => {
    await expect(psPids(`${sshd.hop},jail:$(touch ${PWNED});'"x`)).rejects.toThrow(/no jail/);
    expect(existsSync(PWNED)).toBe(false);
  });

  it('an unreachable host is one clear error', async () => {
    const port = await freePort();
    await expect(psPids(`ssh:root@127.0.0.1:${port}`)).rejects.toThrow(/^via ssh:root@127\.0\.0\.1:\d+: .*Connection refused$/);
  });

  it.skipIf(!remoteClientReady)('a cut chain: ssh killed while cont waits, the target is untraced, its bytes original, and it runs', async () => {
    const t = await startTracee('counter');
    try {
      await t.waitFor(/ready/);
      const syms = await ProcessSymbols.forProcess(new LinuxProcFs('/proc'), t.pid);
      const main = syms.lookup('main').address;
      const counter = syms.lookup('counter').address;
      const original = rawMem(t.pid, main, 1)[0];
      const link = await openAgent(parseChain(sshd.hop));
      const remote = await remoteProcFs(link);
      const s = await Session.attach(remote, t.pid);
      // main is never entered again: cont waits until the chain is cut.
      await s.break(main);
      const waiting = s.cont().catch((e: unknown) => e);
      await waitUntil(() => procState(t.pid).state !== 't');
      expect(rawMem(t.pid, main, 1)[0]).toBe(0xcc);
      link.child.kill('SIGKILL');
      const err = await waiting;
      expect(err).toBeInstanceOf(ProcfsError);
      expect((err as Error).message).toMatch(/connection to the agent lost/);
      // The far agent sees its stdin end when sshd closes the channel, and releases the target.
      await waitUntil(() => procState(t.pid).tracerPid === 0, 10_000);
      expect(rawMem(t.pid, main, 1)[0]).toBe(original);
      const c0 = rawMem(t.pid, counter, 8).readBigUInt64LE();
      await waitUntil(() => rawMem(t.pid, counter, 8).readBigUInt64LE() > c0);
      expect(procState(t.pid).state).toMatch(/[RS]/);
      s.releaseSync();
    } finally {
      killAllTracees();
    }
  });

  describe.skipIf(!remoteClientReady)('the CLI through a chain', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'pdbg-via-cli-'));
    });
    afterAll(() => {
      killStarted();
      rmSync(dir, { recursive: true, force: true });
    });

    it('pdbg --via ssh ps --json lists this machine', () => {
      const r = pdbg(['--via', sshd.hop, 'ps', '-o', 'pid', '--json'], { env: env() });
      expect(r.stderr).toBe('');
      const far = new Set((JSON.parse(r.stdout) as { pid: number }[]).map((p) => p.pid));
      expect(far.has(1) && far.has(jail.pid)).toBe(true);
    });

    it('PDBG_VIA is the chain when --via is not given', () => {
      const r = pdbg(['ps', '-o', 'pid,comm', '--json'], { env: { ...env(), PDBG_VIA: `${sshd.hop},jail:${jail.hostname}` } });
      expect(r.stderr).toBe('');
      expectJailView(JSON.parse(r.stdout) as { pid: number; comm: string }[], jail);
    });

    it('a one-shot regs through ssh equals the local one', () => {
      const pid = pdbgStart('counter', [], join(dir, 'counter.out'));
      const far = pdbg(['--via', sshd.hop, 'regs', String(pid)], { env: env() });
      expect(far.stderr).toBe('');
      const near = pdbg(['regs', String(pid)]);
      expect(near.status).toBe(0);
      // Names too: the far side's files come through the agent (readFile), not from this disk.
      expect(far.stdout).toBe(near.stdout);
      expect(far.stdout).toMatch(/^rip\s+0x[0-9a-f]{16} <\S+>/);
    });

    it('a script through ssh steps the target like a local one', () => {
      const pid = pdbgStart('counter', [], join(dir, 'counter-script.out'));
      const file = join(dir, 'steps.pdbg');
      writeFileSync(file, 'stepi\nstepi\ninfo registers rip\n');
      const r = pdbg(['--via', sshd.hop, 'script', String(pid), file], { env: env() });
      expect(r.stderr).toBe('');
      const steps = [...r.stdout.matchAll(/stepped to (0x[0-9a-f]+)/g)].map((m) => m[1]);
      expect(steps).toHaveLength(2);
      expect(r.stdout).toMatch(new RegExp(`rip\\s+${steps[1]}`));
    });

    it('jls and status through ssh,jail see the jail from inside', () => {
      const chain = `${sshd.hop},jail:${jail.hostname}`;
      const st = pdbg(['--via', chain, 'status', '1'], { env: env() });
      expect(st.stderr).toBe('');
      expect(st.stdout).toMatch(/^sh 1 0 /);
      const outside = pdbg(['--via', sshd.hop, 'jls', '--json'], { env: env() });
      expect((JSON.parse(outside.stdout) as { hostname: string }[]).map((j) => j.hostname)).toContain(jail.hostname);
    });

    it('snapshot through a chain is written on the near side', () => {
      const out = join(dir, 'snap');
      const r = pdbg(['--via', `${sshd.hop},jail:${jail.hostname}`, 'snapshot', '-o', out], { env: env() });
      expect(r.stderr).toBe('');
      expect(existsSync(join(out, '1', 'status'))).toBe(true);
    });

    it('several chains are for ps only: one usage line elsewhere', () => {
      const r = pdbg(['--via', sshd.hop, '--via', sshd.hop, 'jls'], { env: env() });
      expect(isCleanError(r)).toBe(true);
      expect(r.status).toBe(2);
    });

    it('fan-out: every chain, a HOST column, an unreachable one is one line and status 1', async () => {
      const closed = `ssh:root@127.0.0.1:${await freePort()}`;
      const inJail = `${sshd.hop},jail:${jail.hostname}`;
      const r = pdbg(['ps', '--via', sshd.hop, '--via', closed, '--via', inJail, '-o', 'pid', '--json'], { env: env() });
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^pdbg: via ssh:root@127\.0\.0\.1:\d+: ssh: connect to host 127\.0\.0\.1 port \d+: Connection refused\n$/);
      const rows = JSON.parse(r.stdout) as { host: string; pid: number }[];
      expect(new Set(rows.map((x) => x.host))).toEqual(new Set([sshd.hop, inJail]));
      expect(rows.filter((x) => x.host === inJail).length).toBe(jail.pids().length + 1);
      const t = pdbg(['ps', '--via', sshd.hop, '--via', closed, '-o', 'pid'], { env: env() });
      expect(t.stdout.split('\n')[0]).toMatch(/^HOST\s+PID$/);
      expect(t.stdout.split('\n')[1]).toMatch(new RegExp(`^${sshd.hop.replace(/\./g, '\\.')}\\s+\\d+$`));
    });
  });
});

// The bracketed form end to end: the address reaches ssh as a host it connects to over IPv6.
const noV6 = noSshd ?? (existsSync('/proc/net/if_inet6') && readFileSync('/proc/net/if_inet6', 'latin1').includes('00000000000000000000000000000001') ? null : 'no ::1 on lo (IPv6 disabled)');
if (noV6) console.log(`via.test: ssh over [::1] skipped: ${noV6}`);

describe.skipIf(noV6 !== null || !liveOk('ssh over [::1]'))('ssh:[::1]:PORT through a real sshd listening on ::1', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd({ listen: ['127.0.0.1', '::1'] });
  });
  afterAll(() => {
    sshd?.stop();
    stopAllSshd();
  });

  it('lists this machine through ssh:root@[::1]:PORT', () => {
    const r = pdbg(['--via', `ssh:root@[::1]:${sshd.port}`, 'ps', '-o', 'pid', '--json'], { env: { PDBG_SSH: sshd.sshCommand }, timeout: 120_000 });
    expect(r.stderr).toBe('');
    const far = new Set((JSON.parse(r.stdout) as { pid: number }[]).map((p) => p.pid));
    expect(far.has(1) && far.has(process.pid)).toBe(true);
  }, 150_000);
});
