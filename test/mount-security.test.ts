/**
 * The mount's `root/` and `map_files/` as an attacker uses them (issue 17, items 1, 2, 5, 6):
 * an unprivileged user (uid 65534) with `pdbg mount --allow-other`, a descriptor root opened and
 * handed to that user, a real chroot jail with the mount bound in where the user plants links,
 * a path that re-enters the mount through `root/` five times, and the agent asked to read a
 * FIFO. Each ran against the daemon as root; each passed before the fix for the wrong reason
 * (the file's bytes, a hang).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeError, decodeOk, decodeRequest, encodeRequest, FrameReader, Kind, PROTOCOL_VERSION, type Frame } from '../src/remote/protocol.js';
import { openInRoot } from '../src/procfs/sources/linux/in-root.js';
import { pdbgAsync, pdbgBin } from './helpers/cli.js';
import { liveOk } from './helpers/root.js';
import { buildTarget } from './helpers/targets.js';

const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];

function missing(): string | null {
  if (!existsSync('/dev/fuse')) return '/dev/fuse is missing';
  if (!readFileSync('/proc/filesystems', 'latin1').includes('\tfuse\n')) return 'the kernel has no fuse file system';
  for (const tool of ['setpriv', 'unshare', 'chroot']) if (spawnSync(tool, ['--version']).error) return `no ${tool} (util-linux/coreutils)`;
  return null;
}
const why = missing();
if (why) process.stderr.write(`SKIP mount-security: ${why}\n`);
const ok = why === null && liveOk('mount-security');

async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what}: not so after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Shell {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

const children = new Set<ChildProcess>();

function run(argv: string[]): Promise<Shell> {
  const t0 = Date.now();
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('latin1').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('latin1').on('data', (s: string) => (stderr += s));
  return new Promise((res) =>
    child.on('close', (status) => {
      children.delete(child);
      res({ status, stdout, stderr, ms: Date.now() - t0 });
    }),
  );
}

const sh = (script: string, opts: { nobody?: boolean } = {}) => run(opts.nobody ? ['setpriv', ...NOBODY, 'bash', '-c', script] : ['bash', '-c', script]);

/** A process that lives until killed, as nobody or root; its pid (setpriv execs it). */
async function sleeper(nobody: boolean): Promise<number> {
  const argv = nobody ? ['setpriv', ...NOBODY, 'sleep', '100000'] : ['sleep', '100000'];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' });
  children.add(child);
  await until(() => readFileSync(`/proc/${child.pid}/cmdline`, 'latin1').startsWith('sleep'), 'the sleeper runs');
  return child.pid!;
}

describe.skipIf(!ok)('the mount\'s target files, as an unprivileged user', () => {
  let base: string;
  let mnt: string;
  let daemon: ChildProcess;
  let daemonErr: () => string;
  let mine: number;

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'pdbg-sec-'));
    chmodSync(base, 0o755);
    mnt = join(base, 'mnt');
    mkdirSync(mnt, { mode: 0o755 });
    const p = pdbgAsync(['mount', '--allow-other', mnt]);
    daemon = p.child;
    daemonErr = p.stderr;
    await until(() => p.stderr().includes('serving') || p.child.exitCode !== null, 'pdbg mount serves', 30_000);
    if (!p.stderr().includes('serving')) throw new Error(`pdbg mount did not start: ${p.stderr()}`);
    mine = await sleeper(true);
  }, 60_000);

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    if (daemon && daemon.exitCode === null) {
      daemon.kill('SIGTERM');
      await until(() => daemon.exitCode !== null || daemon.signalCode !== null, 'the daemon ends').catch(() => daemon.kill('SIGKILL'));
    }
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it('refuses root/etc/shadow of the user\'s own process (EACCES) and serves it files the user may read', async () => {
    const r = await sh(`cat ${mnt}/${mine}/root/etc/shadow; echo "status $?"; cmp ${mnt}/${mine}/root/etc/passwd /etc/passwd && echo same-passwd; test -r ${mnt}/${mine}/root/etc/shadow || echo unreadable`, { nobody: true });
    expect(r.stdout).toBe('status 1\nsame-passwd\nunreadable\n');
    expect(r.stderr).toMatch(/shadow: Permission denied/);
    // Root still reads it: the check is the caller's, not a ban.
    expect((await sh(`cmp ${mnt}/${mine}/root/etc/shadow /etc/shadow && echo same`)).stdout).toBe('same\n');
  });

  it('refuses a deleted root file through root/proc/ROOTPID/fd/N of the user\'s process', async () => {
    const secret = join(base, 'secret');
    writeFileSync(secret, 'ROOT-ONLY-SECRET\n', { mode: 0o600 });
    const holder = spawn('bash', ['-c', `exec 3<${secret}; rm ${secret}; echo ready; exec sleep 100000`], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.add(holder);
    let out = '';
    holder.stdout!.setEncoding('latin1').on('data', (s: string) => (out += s));
    await until(() => out.includes('ready'), 'the holder opened and deleted its file');
    const r = await sh(`cat ${mnt}/${mine}/root/proc/${holder.pid}/fd/3`, { nobody: true });
    expect(r.stdout).not.toContain('SECRET');
    expect(r.status).not.toBe(0);
  });

  it('reads a descriptor root opened and handed to the user with the user\'s rights (EACCES)', async () => {
    // Root opens root/etc/shadow of nobody's process on fd 3 and execs, as nobody, a cat of it.
    const r = await sh(`exec 3<${mnt}/${mine}/root/etc/shadow && exec setpriv ${NOBODY.join(' ')} cat <&3`);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/Permission denied/);
    expect(r.status).not.toBe(0);
    // The same descriptor kept by root reads.
    expect((await sh(`exec 3<${mnt}/${mine}/root/etc/shadow && cat <&3 | cmp - /etc/shadow && echo same`)).stdout).toBe('same\n');
  });

  it('keeps a jailed user\'s links inside its chroot: /evil -> /etc/shadow and ../.. reach no host file', async () => {
    const jail = join(base, 'jail');
    mkdirSync(jail, { mode: 0o755 });
    for (const d of ['usr', 'pdbg', 'etc', 'tmp']) mkdirSync(join(jail, d));
    for (const [l, t] of [['bin', 'usr/bin'], ['lib', 'usr/lib'], ['lib64', 'usr/lib64']] as const) symlinkSync(t, join(jail, l));
    writeFileSync(join(jail, 'etc/passwd'), 'jailed:x:65534:65534::/:/bin/sh\n');
    chownSync(jail, 65534, 65534);
    const hostFile = join(base, 'host-only');
    writeFileSync(hostFile, 'HOST-FILE\n', { mode: 0o644 });
    // The user's own links, made from inside its jail; then it reads them through the mount.
    const inner = [
      'ln -s /etc/shadow /evil',
      `ln -s /${hostFile.slice(1)} /abs`,
      `ln -s ../../../../../../..${hostFile} /up`,
      'for f in evil abs up etc/passwd; do echo "== $f"; cat /pdbg/$$/root/$f 2>&1; done',
    ].join('; ');
    const r = await run([
      'unshare', '--mount', '--propagation', 'private', 'bash', '-c',
      `mount --bind /usr ${jail}/usr && mount --bind ${mnt} ${jail}/pdbg && exec chroot --userspec=65534:65534 ${jail} /bin/bash -c '${inner}'`,
    ]);
    expect(r.stderr).toBe('');
    const parts = Object.fromEntries(r.stdout.split('== ').filter(Boolean).map((s) => [s.slice(0, s.indexOf('\n')), s.slice(s.indexOf('\n') + 1)]));
    expect(Object.keys(parts)).toEqual(['evil', 'abs', 'up', 'etc/passwd']);
    for (const f of ['evil', 'abs', 'up']) {
      expect(parts[f]).toMatch(/No such file or directory/);
      expect(parts[f]).not.toContain('HOST-FILE');
      expect(parts[f]).not.toContain('root:');
    }
    // The jail's own files are served (the bind-mounted /usr too, a mount crossed inside the root).
    expect(parts['etc/passwd']).toBe('jailed:x:65534:65534::/:/bin/sh\n');
  });

  it('refuses a path that re-enters the mount through root/ five times at once, and ctl still answers', async () => {
    const hop = `${mnt.slice(1)}/${mine}/root/`;
    const deep = `/${hop.repeat(5)}etc/passwd`;
    const r = await sh(`timeout 20 cat ${deep}; echo "status $?"`);
    expect(r.stdout).toBe('status 1\n');
    expect(r.stderr).toMatch(/No such file or directory/);
    expect(r.ms).toBeLessThan(10_000);
    // One hop: the mount's own files are not the target's either.
    expect((await sh(`cat ${mnt}/${mine}/root${mnt}/${mine}/status`)).status).not.toBe(0);
    const t = await sleeper(false);
    const c = await sh(`cd ${mnt}/${t} && timeout 20 bash -c 'echo attach > ctl && echo wait > ctl && cat why && echo detach > ctl && cat why'`);
    expect(c).toMatchObject({ status: 0, stdout: `stopped ${t} attach\ndetached\n` });
    expect(daemonErr()).not.toMatch(/TypeError|RangeError|at .*\.js:\d+/);
  }, 60_000);

  it('serves map_files/ to the owner only where the file\'s mode lets the owner read it', async () => {
    const prog = join(base, 'private-sleep');
    spawnSync('cp', ['/usr/bin/sleep', prog]);
    chmodSync(prog, 0o711); // executable by all, readable by root only
    const child = spawn('setpriv', [...NOBODY, prog, '100000'], { stdio: 'ignore' });
    children.add(child);
    // Asleep in clock_nanosleep (x86-64 syscall 230; 35, nanosleep, on an old libc): the dynamic
    // linker is done, so libc is mapped and its ranges final (under load, maps showed the program
    // before libc, or libc before its mprotect split the range a moment later).
    const asleep = () => /^(230|35) /.test(readFileSync(`/proc/${child.pid}/syscall`, 'latin1'));
    await until(() => readFileSync(`/proc/${child.pid}/maps`, 'latin1').includes(prog) && asleep(), 'the private program runs and sleeps');
    const range = readFileSync(`/proc/${child.pid}/maps`, 'latin1').split('\n').find((l) => l.endsWith(prog))!.split(' ')[0];
    const libc = readFileSync(`/proc/${child.pid}/maps`, 'latin1').split('\n').find((l) => /libc[.-]/.test(l))!.split(' ')[0];
    const r = await sh(`cat ${mnt}/${child.pid}/map_files/${range} >/dev/null; echo "prog $?"; cat ${mnt}/${child.pid}/map_files/${libc} >/dev/null; echo "libc $?"`, { nobody: true });
    expect(r.stdout).toBe('prog 1\nlibc 0\n');
    expect(r.stderr).toMatch(/Permission denied/);
  }, 30_000);
});

describe.skipIf(!ok)('opening inside a root (in-root.ts), both resolutions', () => {
  let jail: string;
  beforeAll(() => {
    jail = mkdtempSync(join(tmpdir(), 'pdbg-inroot-'));
    mkdirSync(join(jail, 'etc'));
    writeFileSync(join(jail, 'etc/hostname'), 'jail\n');
    symlinkSync('/etc/shadow', join(jail, 'evil'));
    symlinkSync('../../../../../../../etc/shadow', join(jail, 'up'));
    symlinkSync('/etc', join(jail, 'etcdir'));
    symlinkSync('/proc/self/root/etc/shadow', join(jail, 'magic'));
  });
  afterAll(() => rmSync(jail, { recursive: true, force: true }));

  for (const mode of ['openat2', 'walk'] as const) {
    it(`${mode}: links and .. resolve inside the root; procfs is refused; the caller's rights apply`, () => {
      const read = (p: string, as?: { uid: number; gid: number; groups: number[] }) => {
        try {
          const f = openInRoot(jail, p, { mode, ...(as && { as }) });
          try {
            return readFileSync(f.fd, 'latin1');
          } finally {
            closeSync(f.fd);
          }
        } catch (e) {
          return (e as { code: string }).code;
        }
      };
      expect(read('/etcdir/hostname')).toBe('jail\n');
      expect(read('/../../etc/hostname')).toBe('jail\n');
      expect(read('/evil')).toBe('ENOENT');
      expect(read('/up')).toBe('ENOENT');
      expect(read('/magic')).toBe('ENOENT');
      expect(read('/etc')).toBe('EINVAL');
      expect(openInRootCode('/', '/proc/self/status', mode)).toBe('EXDEV');
      expect(openInRootCode('/', '/etc/shadow', mode, { uid: 65534, gid: 65534, groups: [] })).toBe('EACCES');
      expect(openInRootCode('/', '/etc/passwd', mode, { uid: 65534, gid: 65534, groups: [] })).toBe('ok');
      // The thread is itself again after: root reads what nobody could not.
      expect(openInRootCode('/', '/etc/shadow', mode)).toBe('ok');
    });
  }

  function openInRootCode(root: string, p: string, mode: 'openat2' | 'walk', as?: { uid: number; gid: number; groups: number[] }): string {
    try {
      const f = openInRoot(root, p, { mode, ...(as && { as }) });
      closeSync(f.fd);
      return 'ok';
    } catch (e) {
      return (e as { code: string }).code;
    }
  }
});

describe.skipIf(!ok)('the agent and a FIFO', () => {
  it('answers a READFILE of a FIFO with one error, then the next request, and exits at EOF', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pdbg-fifo-'));
    const fifo = join(dir, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const agent = spawn(process.execPath, [pdbgBin, 'serve', '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(agent);
    const frames: Frame[] = [];
    const reader = new FrameReader();
    agent.stdout!.on('data', (b: Buffer) => frames.push(...reader.push(b)));
    const exited = new Promise<number | null>((res) => agent.on('exit', (c) => res(c)));
    agent.stdin!.write(encodeRequest(1, { kind: Kind.HELLO, version: PROTOCOL_VERSION }));
    agent.stdin!.write(encodeRequest(2, { kind: Kind.READFILE, pid: agent.pid!, path: fifo, opts: {} }));
    agent.stdin!.write(encodeRequest(3, { kind: Kind.STATFILE, pid: agent.pid!, path: '/etc/passwd', ref: {} }));
    // A caller's credentials travel with the request and the agent opens with them.
    const nobody = { uid: 65534, gid: 65534, groups: [] };
    agent.stdin!.write(encodeRequest(4, { kind: Kind.READFILE, pid: agent.pid!, path: '/etc/shadow', opts: { as: nobody } }));
    agent.stdin!.write(encodeRequest(5, { kind: Kind.READFILE, pid: agent.pid!, path: '/etc/passwd', opts: { as: nobody } }));
    try {
      await until(() => frames.some((f) => f.id === 5), 'the requests after the FIFO answered', 15_000);
      const two = frames.filter((f) => f.id === 2);
      expect(two).toHaveLength(1);
      expect(two[0]!.kind).toBe(Kind.ERR);
      expect(decodeError(two[0]!.payload)).toMatchObject({ code: 'EINVAL', message: expect.stringMatching(/a FIFO, not a regular file; refused/) });
      const three = frames.find((f) => f.id === 3)!;
      expect(three.kind).toBe(Kind.OK);
      expect(decodeOk(Kind.STATFILE, three.payload)).toMatchObject({ size: readFileSync('/etc/passwd').length });
      const four = frames.find((f) => f.id === 4)!;
      expect(four.kind).toBe(Kind.ERR);
      expect(decodeError(four.payload).code).toBe('EACCES');
      const five = frames.find((f) => f.id === 5)!;
      expect(five.kind).toBe(Kind.OK);
      expect(decodeOk(Kind.READFILE, five.payload)).toEqual(readFileSync('/etc/passwd'));
      agent.stdin!.end();
      const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 15_000))]);
      expect(code).toBe(0);
    } finally {
      agent.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 40_000);

  it('carries the caller\'s credentials in a file reference', () => {
    const req = { kind: Kind.READFILE, pid: 1, path: '/x', opts: { root: 'target', as: { uid: 65534, gid: 100, groups: [4, 27] }, offset: 1, length: 2 } } as const;
    expect(decodeRequest(new FrameReader().push(encodeRequest(9, req))[0]!)).toEqual(req);
  });
});

describe.skipIf(!ok)('a SIGKILL of the daemon with an int3 planted through mem', () => {
  it('the watchdog puts the byte back before it unmounts: the target runs through it', async () => {
    const bin = buildTarget('sighandler');
    const t = spawn(bin, [], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.add(t);
    let out = '';
    t.stdout!.setEncoding('latin1').on('data', (s: string) => (out += s));
    await until(() => out.includes('ready'), 'the target is ready');
    const dir = mkdtempSync(join(tmpdir(), 'pdbg-kill-'));
    chmodSync(dir, 0o755);
    const p = pdbgAsync(['mount', dir]);
    children.add(p.child);
    await until(() => p.stderr().includes('serving'), 'pdbg mount serves', 30_000);
    const mounted = () => readFileSync('/proc/self/mountinfo', 'latin1').split('\n').some((l) => l.split(' ')[4] === dir);
    try {
      // The handler runs only on SIGUSR1, which is sent once the daemon is dead and its mount gone.
      const r = await sh([
        `cd ${dir}/${t.pid} && echo attach > ctl && echo wait > ctl`,
        `off=$(nm '${bin}' | awk '$3 == "on_signal" { print $1 }')`,
        `base=$(awk '$3 == "00000000" && $6 ~ /sighandler/ { split($1, a, "-"); print a[1]; exit }' maps)`,
        'addr=$((16#$base + 16#$off)) && echo "addr $addr"',
        "printf '\\314' | dd of=mem bs=1 seek=$addr conv=notrunc status=none",
        `kill -KILL ${p.child.pid}`,
      ].join(' && '));
      expect(r.stderr).toBe('');
      const addr = BigInt(/addr (\d+)/.exec(r.stdout)![1]!);
      await until(() => !mounted(), 'the watchdog unmounted');
      await until(() => /TracerPid:\s+0\n/.test(readFileSync(`/proc/${t.pid}/status`, 'latin1')), 'the target is untraced');
      const fd = openSync(`/proc/${t.pid}/mem`, 'r');
      const b = Buffer.alloc(1);
      readSync(fd, b, 0, 1, Number(addr));
      closeSync(fd);
      expect(b[0]).not.toBe(0xcc);
      process.kill(t.pid!, 'SIGUSR1');
      await until(() => out.includes('usr1 1') || t.exitCode !== null || t.signalCode !== null, 'the handler ran');
      expect(t.signalCode).toBeNull();
      expect(out).toContain('usr1 1');
    } finally {
      t.kill('SIGKILL');
      p.child.kill('SIGKILL');
      await until(() => !mounted(), 'unmounted').catch(() => spawnSync('umount', ['-l', dir]));
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
