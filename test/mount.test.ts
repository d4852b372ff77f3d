/**
 * `pdbg mount` for real: the daemon (bin/pdbg.js, dist/ built) mounts on a fresh directory with
 * FUSE as root, and everything is then done with shell tools only — bash, cat, dd, ls,
 * readlink, od — as a user would: status against `pdbg status`, ctl words driving a C target,
 * mem at a global's address from nm, the errnos bash prints, the access rules as nobody, jail
 * scoping from inside a real jail, the release when a controller exits, a chain (`--via ssh`),
 * and the daemon's end by SIGTERM and SIGKILL.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCleanError, pdbg, pdbgAsync } from './helpers/cli.js';
import { destroyAllJails, makeJail, nsInode, type Jail } from './helpers/jails.js';
import { liveOk } from './helpers/root.js';
import { sshdMissing, startSshd, stopAllSshd, type Sshd } from './helpers/sshd.js';
import { buildTarget, procState } from './helpers/targets.js';
import { killAllTracees, startTracee, type Tracee } from './helpers/tracee.js';

const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];

function fuseMissing(): string | null {
  if (!existsSync('/dev/fuse')) return '/dev/fuse is missing';
  if (!readFileSync('/proc/filesystems', 'latin1').includes('\tfuse\n')) return 'the kernel has no fuse file system';
  if (spawnSync('setpriv', ['--version']).error) return 'no setpriv (util-linux)';
  return null;
}

const noFuse = fuseMissing();
if (noFuse) console.log(`mount.test: skipped: ${noFuse}`);
const ok = noFuse === null && liveOk('pdbg mount');

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what}: not so after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function mountedAt(dir: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'latin1').split('\n').some((l) => l.split(' ')[4] === dir);
}

function freshDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(d, 0o755); // nobody walks through it to the mount
  return d;
}

interface Daemon {
  readonly dir: string;
  readonly child: ChildProcess;
  stderr(): string;
  readonly done: Promise<{ status: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}
const daemons: Daemon[] = [];
const dirs: string[] = [];

async function startMount(pre: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Daemon> {
  const dir = freshDir('pdbg-mnt-');
  dirs.push(dir);
  const p = pdbgAsync([...pre, 'mount', '--allow-other', dir], { env });
  let exited = false;
  const done = p.done.then((r) => {
    exited = true;
    return { status: r.status, signal: r.signal, stderr: r.stderr };
  });
  const d: Daemon = { dir, child: p.child, stderr: p.stderr, done };
  daemons.push(d);
  await until(() => p.stderr().includes('serving') || exited, 'pdbg mount is serving', 30_000);
  if (!p.stderr().includes('serving')) throw new Error(`pdbg mount did not start: ${p.stderr()}`);
  return d;
}

async function stopMount(d: Daemon): Promise<void> {
  if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGTERM');
  await d.done;
}

interface Shell {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `bash -c SCRIPT`, as root or as nobody (setpriv), not blocking the test's loop. */
function bash(script: string, opts: { nobody?: boolean; env?: NodeJS.ProcessEnv } = {}): { child: ChildProcess; done: Promise<Shell> } {
  const argv = opts.nobody ? ['setpriv', ...NOBODY, 'bash', '-c', script] : ['bash', '-c', script];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('latin1').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('latin1').on('data', (s: string) => (stderr += s));
  const done = new Promise<Shell>((res) => child.on('close', (status, signal) => res({ status, signal, stdout, stderr })));
  shells.add(child);
  void done.then(() => shells.delete(child));
  return { child, done };
}
const shells = new Set<ChildProcess>();
const sh = (script: string, opts: { nobody?: boolean; env?: NodeJS.ProcessEnv } = {}) => bash(script, opts).done;

/**
 * One long-lived bash reading commands from a pipe: the controller of a target (the process
 * that wrote `attach`) must outlive a single command.
 */
class ShellSession {
  readonly child: ChildProcess;
  private out = '';
  private err = '';
  private n = 0;

  constructor(nobody = false) {
    const argv = nobody ? ['setpriv', ...NOBODY, 'bash'] : ['bash'];
    this.child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('latin1').on('data', (s: string) => (this.out += s));
    this.child.stderr!.setEncoding('latin1').on('data', (s: string) => (this.err += s));
    shells.add(this.child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Runs `cmd`; resolves with what it printed and its status. */
  async run(cmd: string): Promise<{ out: string; err: string; status: number }> {
    const mark = `__pdbg_mount_test_${this.n++}`;
    this.child.stdin!.write(`${cmd}\necho "${mark} $?"; echo ${mark} >&2\n`);
    const re = new RegExp(`${mark} (\\d+)\\n`);
    await until(() => re.test(this.out) && this.err.includes(`${mark}\n`), `shell command ${JSON.stringify(cmd)}`, 20_000);
    const m = re.exec(this.out)!;
    const out = this.out.slice(0, m.index);
    const err = this.err.slice(0, this.err.indexOf(`${mark}\n`));
    this.out = this.out.slice(m.index + m[0].length);
    this.err = this.err.slice(this.err.indexOf(`${mark}\n`) + mark.length + 1);
    return { out, err, status: Number(m[1]) };
  }

  close(): void {
    this.child.kill('SIGKILL');
  }
}

/** A program started by a shell (not a child of this Node process), as nobody when asked. */
async function startAs(path: string, nobody: boolean): Promise<Tracee & { ticks(): number }> {
  const cmd = nobody ? `setpriv ${NOBODY.join(' ')} '${path}'` : `'${path}'`;
  const shell = spawn('sh', ['-c', `exec 2>/dev/null; ${cmd} & echo "pid $!"; wait $!`], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  shell.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  shells.add(shell);
  await until(() => /ready \d+\n/.test(out), `${path} ready`);
  const pid = Number(/pid (\d+)\n/.exec(out)![1]);
  const kill = () => {
    for (const p of [pid, shell.pid!]) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  };
  extra.push(kill);
  const t: Tracee & { ticks(): number } = {
    pid,
    shell,
    stdout: () => out,
    waitFor: async (re) => {
      await until(() => re.test(out), `${path}: ${re}`);
      return re.exec(out)!;
    },
    exited: () => new Promise((res) => shell.on('exit', (c) => res(c))),
    kill,
    ticks: () => (out.match(/^tick /gm) ?? []).length,
  };
  return t;
}
const extra: (() => void)[] = [];

function ticks(t: Tracee): number {
  return (t.stdout().match(/^tick /gm) ?? []).length;
}

/** The target runs: it prints new ticks (it prints one each 200 ms of running). */
async function runs(t: Tracee, count: (t: Tracee) => number = ticks): Promise<void> {
  const n = count(t);
  await until(() => count(t) >= n + 2, `pid ${t.pid} running (new ticks)`);
}

/** The runtime address of mountee's global `word`: its nm offset plus the load base from the maps node. */
function wordAddressScript(dir: string, pid: number): string {
  const bin = buildTarget('mountee');
  return `off=$(nm '${bin}' | awk '$3 == "word" { print $1 }'); base=$(awk '$3 == "00000000" && $6 ~ /mountee/ { split($1, a, "-"); print a[1]; exit }' '${dir}/${pid}/maps'); addr=$((16#$base + 16#$off))`;
}

describe.skipIf(!ok)('pdbg mount', () => {
  let d: Daemon;
  let t: Tracee;

  beforeAll(async () => {
    d = await startMount();
    t = await startTracee('mountee');
  }, 60_000);

  afterAll(async () => {
    for (const c of shells) c.kill('SIGKILL');
    for (const k of extra.splice(0)) k();
    killAllTracees();
    destroyAllJails();
    for (const m of daemons) await stopMount(m);
    for (const dir of dirs) {
      if (mountedAt(dir)) spawnSync('umount', ['-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('says it serves, lists processes and the node table, and cat status equals pdbg status', async () => {
    expect(d.stderr()).toMatch(new RegExp(`^pdbg: serving \\d+ processes at ${d.dir}; umount ${d.dir} or Ctrl-C to stop\\n$`));
    const ls = await sh(`ls ${d.dir}; echo --; ls ${d.dir}/${t.pid}; echo --; ls ${d.dir}/${t.pid}/task/${t.pid}; echo --; readlink ${d.dir}/${t.pid}/file`);
    const [root, proc, thread, link] = ls.stdout.split('--\n');
    expect(root!.split('\n')).toContain(String(t.pid));
    expect(root!.split('\n')).toContain('curproc');
    expect(proc!.trim().split('\n').sort()).toEqual(['cmdline', 'ctl', 'etype', 'file', 'fpregs', 'jail', 'map', 'map_files', 'maps', 'mem', 'note', 'notepg', 'regs', 'root', 'status', 'task', 'why']);
    expect(thread!.trim().split('\n').sort()).toEqual(['ctl', 'fpregs', 'regs', 'status']);
    expect(link!.trim()).toBe(buildTarget('mountee'));
    // Stopped (job control), so that times and wchan hold still between the two reads.
    process.kill(t.pid, 'SIGSTOP');
    try {
      await until(() => procState(t.pid).state === 'T', 'target stopped');
      const cat = await sh(`cat ${d.dir}/${t.pid}/status`);
      const direct = pdbg(['status', String(t.pid)]);
      expect(cat.status).toBe(0);
      expect(cat.stdout).toBe(direct.stdout);
      expect(cat.stdout).toMatch(new RegExp(`^mountee ${t.pid} `));
    } finally {
      process.kill(t.pid, 'SIGCONT');
    }
    const modes = await sh(`stat -c '%n %A %U' ${d.dir}/${t.pid}/status ${d.dir}/${t.pid}/ctl ${d.dir}/${t.pid}/mem`);
    expect(modes.stdout).toBe(`${d.dir}/${t.pid}/status -r--r--r-- root\n${d.dir}/${t.pid}/ctl --w------- root\n${d.dir}/${t.pid}/mem -rw------- root\n`);
    // curproc is the caller's own directory (here: cat's).
    expect((await sh(`cat ${d.dir}/curproc/status`)).stdout).toMatch(/^cat \d+ /);
  });

  it('drives a target with ctl words: attach, wait, step (rip moves, why says so), mem write, run, detach', async () => {
    const s = new ShellSession();
    try {
      expect((await s.run(`cd ${d.dir}/${t.pid} && echo attach > ctl && echo wait > ctl && cat why`)).out).toBe(`stopped ${t.pid} attach\n`);
      expect(procState(t.pid).tracerPid).toBe(d.child.pid);
      const rip = async () => (await s.run(`dd if=regs bs=8 skip=16 count=1 status=none | od -An -tx8`)).out.trim();
      expect((await s.run('wc -c < regs')).out.trim()).toBe('216');
      const before = await rip();
      expect(before).toMatch(/^[0-9a-f]{16}$/);
      const step = await s.run('echo step > ctl && echo wait > ctl && cat why');
      expect(step.out).toBe(`stopped ${t.pid} step\n`);
      // Stopped inside nanosleep, the first step finishes the (restarted) syscall: the pc is
      // after the `syscall` again. The second moves it.
      expect((await s.run('echo step > ctl && echo wait > ctl && cat why')).out).toBe(`stopped ${t.pid} step\n`);
      const after = await rip();
      expect(after).toMatch(/^[0-9a-f]{16}$/);
      expect(after).not.toBe(before);
      // mem at the global's address: read it, write it, and the target prints the new word once it runs.
      await s.run(wordAddressScript(d.dir, t.pid));
      expect((await s.run('dd if=mem bs=1 skip=$addr count=6 status=none')).out).toBe('before');
      const w = await s.run(`printf 'after\\0' | dd of=mem bs=1 seek=$addr conv=notrunc status=none`);
      expect(w).toMatchObject({ status: 0, err: '' });
      expect((await s.run('dd if=mem bs=1 skip=$addr count=5 status=none')).out).toBe('after');
      // Unmapped: EIO, as Linux's /proc/PID/mem and the source say it.
      const bad = await s.run('dd if=mem bs=8 skip=2 count=1 status=none');
      expect(bad.err).toMatch(/Input\/output error/);
      expect((await s.run('echo run > ctl && echo detach > ctl && cat why')).out).toBe('detached\n');
      await t.waitFor(/tick \d+ after\n/);
      expect(procState(t.pid).tracerPid).toBe(0);
    } finally {
      s.close();
    }
  });

  it('fails an unknown ctl word with EOPNOTSUPP as bash reports it, a step of an untraced target with EBUSY', async () => {
    const r = await sh(`echo frobnicate > ${d.dir}/${t.pid}/ctl`);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/echo: write error: Operation not supported/);
    const busy = await sh(`echo step > ${d.dir}/${t.pid}/ctl`);
    expect(busy.stderr).toMatch(/Device or resource busy/);
    expect((await sh(`cat ${d.dir}/999999999/status`)).stderr).toMatch(/No such file or directory/);
  });

  it('fails a wait interrupted by SIGINT with EINTR, leaving the target running and the mount working', async () => {
    const s = new ShellSession();
    try {
      await s.run(`cd ${d.dir}/${t.pid} && echo attach > ctl && echo wait > ctl && echo run > ctl`);
      const waiter = bash(`echo wait > ${d.dir}/${t.pid}/ctl; echo "status $?"`);
      // The wait blocks: the target runs and nothing stops it.
      await new Promise((r) => setTimeout(r, 300));
      expect(waiter.child.exitCode).toBeNull();
      waiter.child.kill('SIGINT');
      const w = await waiter.done;
      // bash dies of the SIGINT, or reports the write's EINTR: either way the wait did not finish.
      expect(w.signal === 'SIGINT' || /Interrupted system call/.test(w.stderr)).toBe(true);
      expect((await s.run('cat why')).out).toBe('running\n');
      await runs(t);
      expect(procState(t.pid).tracerPid).toBe(d.child.pid);
      expect((await sh(`cat ${d.dir}/${t.pid}/status`)).stdout).toMatch(/^mountee /);
      // The controller goes on: stop it, then leave.
      expect((await s.run('echo interrupt > ctl && echo wait > ctl && cat why')).out).toBe(`stopped ${t.pid} interrupt\n`);
      expect((await s.run('echo detach > ctl && cat why')).out).toBe('detached\n');
      await runs(t);
    } finally {
      s.close();
    }
  });

  it('releases a target when the process that attached it exits (detached, running)', async () => {
    const r = await sh(`echo attach > ${d.dir}/${t.pid}/ctl && echo wait > ${d.dir}/${t.pid}/ctl && cat ${d.dir}/${t.pid}/why`);
    expect(r.stdout).toBe(`stopped ${t.pid} attach\n`);
    await until(() => procState(t.pid).tracerPid === 0, 'the target released after its controller exited');
    await runs(t);
    expect((await sh(`cat ${d.dir}/${t.pid}/why`)).stdout).toBe('detached\n');
  });

  it('serves the target\'s mapped files (map_files/START-END, root/PATH) to its owner and root only', async () => {
    const exe = buildTarget('mountee');
    const range = (await sh(`grep -m1 ' ${exe}$' /proc/${t.pid}/maps | cut -d' ' -f1`)).stdout.trim();
    expect(range).toMatch(/^[0-9a-f]+-[0-9a-f]+$/);
    const r = await sh(`ls ${d.dir}/${t.pid}/map_files | grep -c . ; cmp ${d.dir}/${t.pid}/map_files/${range} ${exe} && echo same-map; cmp ${d.dir}/${t.pid}/root${exe} ${exe} && echo same-root; stat -c %s ${d.dir}/${t.pid}/root${exe}`);
    expect(r.stderr).toBe('');
    const [count, sameMap, sameRoot, size] = r.stdout.trim().split('\n');
    expect(Number(count)).toBeGreaterThan(1);
    expect(sameMap).toBe('same-map');
    expect(sameRoot).toBe('same-root');
    expect(Number(size)).toBe(statSync(exe).size);
    expect((await sh(`cat ${d.dir}/${t.pid}/root/no/such/file`)).status).not.toBe(0);
    const nobody = await sh(`cat ${d.dir}/${t.pid}/map_files/${range} > /dev/null`, { nobody: true });
    expect(nobody.status).not.toBe(0);
    expect(nobody.stderr).toMatch(/Permission denied/);
  });

  it('applies the access rules to an unprivileged user', async () => {
    const own = await startAs(buildTarget('mountee'), true);
    const suidDir = freshDir('pdbg-mnt-suid-');
    dirs.push(suidDir);
    const suid = join(suidDir, 'mountee-suid');
    copyFileSync(buildTarget('mountee'), suid);
    chmodSync(suid, 0o4755);
    const setuid = await startAs(suid, true);
    expect(readFileSync(`/proc/${setuid.pid}/status`, 'latin1')).toMatch(/Uid:\s+65534\s+0\s/);
    // root's process: status readable, ctl and mem refused.
    const r = await sh(`cat ${d.dir}/${t.pid}/status >/dev/null && echo readable; echo attach > ${d.dir}/${t.pid}/ctl; dd if=${d.dir}/${t.pid}/mem bs=8 count=1 status=none; cat ${d.dir}/${t.pid}/why`, { nobody: true });
    expect(r.stdout).toBe('readable\n');
    expect(r.stderr.match(/Permission denied/g)?.length).toBe(3);
    // Its own process: controlled, memory read.
    const mine = await sh(`cd ${d.dir}/${own.pid} && echo attach > ctl && echo wait > ctl && cat why && ${wordAddressScript(d.dir, own.pid)} && dd if=mem bs=1 skip=$addr count=6 status=none && echo && echo detach > ctl && cat why`, { nobody: true });
    expect(mine).toMatchObject({ status: 0, stderr: '', stdout: `stopped ${own.pid} attach\nbefore\ndetached\n` });
    await runs(own, () => own.ticks());
    // A set-uid root program it started: refused.
    const s = await sh(`cat ${d.dir}/${setuid.pid}/status >/dev/null && echo readable; echo attach > ${d.dir}/${setuid.pid}/ctl`, { nobody: true });
    expect(s.stdout).toBe('readable\n');
    expect(s.stderr).toMatch(/Permission denied/);
    expect(procState(setuid.pid).tracerPid).toBe(0);
    // Root may.
    expect((await sh(`echo attach > ${d.dir}/${setuid.pid}/ctl && echo wait > ${d.dir}/${setuid.pid}/ctl && cat ${d.dir}/${setuid.pid}/why && echo detach > ${d.dir}/${setuid.pid}/ctl`)).stdout).toBe(`stopped ${setuid.pid} attach\n`);
  });

  it('shows a caller inside a jail only its own jail\'s processes', async () => {
    const other: Jail = await makeJail('pdbg-mnt-b.jail', 62);
    const otherPid = other.pids().at(-1)!;
    const script = [
      'hostname pdbg-mnt-a.jail',
      'sleep 100000 &',
      `echo "list $(ls ${d.dir} | tr '\\n' ' ')"`,
      `echo "curproc $(cat ${d.dir}/curproc/status | cut -d' ' -f1)"`,
      `cat ${d.dir}/${t.pid}/status; echo "host $?"`,
      `echo attach > ${d.dir}/${t.pid}/ctl; echo "hostctl $?"`,
      `ls ${d.dir}/${otherPid}; echo "other $?"`,
      'echo done',
      'wait',
    ].join('\n');
    const jail = spawn('unshare', ['--uts', '--pid', '--net', '--mount', '--fork', '--kill-child', 'sh', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    shells.add(jail);
    let out = '';
    let err = '';
    jail.stdout!.setEncoding('latin1').on('data', (s: string) => (out += s));
    jail.stderr!.setEncoding('latin1').on('data', (s: string) => (err += s));
    try {
      await until(() => out.includes('done\n'), 'the jail\'s script');
      const init = Number(readFileSync(`/proc/${jail.pid}/task/${jail.pid}/children`, 'latin1').trim().split(/\s+/)[0]);
      const sleeper = Number(readFileSync(`/proc/${init}/task/${init}/children`, 'latin1').trim().split(/\s+/)[0]);
      const jid = nsInode(init, 'uts');
      const listed = /^list (.*)$/m.exec(out)![1]!.trim().split(' ');
      expect(listed).toContain('curproc');
      expect(listed).toContain(String(init));
      expect(listed).toContain(String(sleeper));
      expect(listed).not.toContain(String(t.pid));
      expect(listed).not.toContain('1');
      for (const p of other.pids()) expect(listed).not.toContain(String(p));
      // Everything listed is the jail's own (but ls itself, gone by now).
      for (const p of listed.filter((n) => /^\d+$/.test(n))) {
        if (existsSync(`/proc/${p}`)) expect(nsInode(Number(p), 'uts')).toBe(jid);
      }
      expect(out).toMatch(/^curproc cat$/m);
      expect(out).toMatch(/^host 1$/m);
      expect(out).toMatch(/^hostctl [1-9]$/m); // dash: 2 for a redirection that fails
      expect(out).toMatch(/^other 2$/m);
      // dash words ENOENT on a redirection's directory as "Directory nonexistent".
      expect(err.match(/No such file or directory|Directory nonexistent/g)?.length, err).toBe(3);
      expect(procState(t.pid).tracerPid).toBe(0);
    } finally {
      jail.kill('SIGKILL');
      other.destroy();
    }
  });

  it('refuses a directory that does not exist, is not a directory, or is not empty: one line, status 1', () => {
    const base = freshDir('pdbg-mnt-bad-');
    dirs.push(base);
    writeFileSync(join(base, 'file'), 'x');
    for (const [dir, msg] of [[join(base, 'nope'), /no such directory/], [join(base, 'file'), /not a directory/], [base, /not empty/]] as const) {
      const r = pdbg(['mount', dir]);
      expect(isCleanError(r), r.stderr).toBe(true);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(msg);
    }
  });

  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGKILL'] as const) {
    it(`unmounts on ${sig} of the daemon and leaves its targets detached and running`, async () => {
      const m = await startMount();
      const target = await startTracee('mountee');
      const s = new ShellSession();
      try {
        expect((await s.run(`echo attach > ${m.dir}/${target.pid}/ctl && echo wait > ${m.dir}/${target.pid}/ctl && cat ${m.dir}/${target.pid}/why`)).out).toBe(`stopped ${target.pid} attach\n`);
        expect(procState(target.pid).tracerPid).toBe(m.child.pid);
        m.child.kill(sig);
        const end = await m.done;
        if (sig !== 'SIGKILL') {
          expect(end.stderr).toMatch(new RegExp(`pdbg: ${m.dir} unmounted on ${sig}; released the target callers left attached\\n$`));
          expect(end.stderr.split('\n').length).toBe(3); // the serving line, the stop line
        }
        // SIGKILL: the watchdog unmounts; the kernel detaches a dead tracer's tracees.
        await until(() => !mountedAt(m.dir), 'the mount gone');
        await until(() => procState(target.pid).tracerPid === 0, 'the target detached');
        await runs(target);
        expect((await sh(`ls ${m.dir}`)).stdout).toBe('');
      } finally {
        s.close();
        target.kill();
      }
    }, 60_000);
  }

  for (const tool of [['umount'], ['fusermount3', '-u']]) {
    it(`ends cleanly on ${tool.join(' ')} DIR from outside, releasing what callers left attached`, async () => {
      const m = await startMount();
      const target = await startTracee('mountee');
      const s = new ShellSession();
      try {
        await s.run(`echo attach > ${m.dir}/${target.pid}/ctl && echo wait > ${m.dir}/${target.pid}/ctl`);
        expect(procState(target.pid).tracerPid).toBe(m.child.pid);
        const u = spawnSync(tool[0]!, [...tool.slice(1), m.dir], { encoding: 'utf8' });
        expect(u.status, u.stderr).toBe(0);
        const end = await m.done;
        expect(end.status).toBe(0);
        expect(end.stderr).toMatch(new RegExp(`pdbg: ${m.dir} unmounted by umount; released the target callers left attached\\n$`));
        expect(procState(target.pid).tracerPid).toBe(0);
        await runs(target);
      } finally {
        s.close();
        target.kill();
      }
    }, 60_000);
  }
});

const noSshd = sshdMissing();
if (ok && noSshd) console.log(`mount.test: the chain mount skipped: ${noSshd}`);

describe.skipIf(!ok || noSshd !== null)('pdbg --via ssh mount', () => {
  let sshd: Sshd;
  afterAll(async () => {
    killAllTracees();
    for (const m of daemons) await stopMount(m);
    for (const dir of dirs) {
      if (mountedAt(dir)) spawnSync('umount', ['-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    }
    sshd?.stop();
    stopAllSshd();
  }, 60_000);

  it('mounts the far side\'s procfs: status as pdbg status reads it there, ctl through the chain', async () => {
    sshd = await startSshd();
    const env = { PDBG_SSH: sshd.sshCommand };
    const m = await startMount(['--via', sshd.hop], env);
    const t = await startTracee('mountee');
    const listed = (await sh(`ls ${m.dir}`)).stdout.split('\n');
    expect(listed).toContain(String(t.pid));
    // No curproc: the caller's pid means nothing on the far side.
    expect(listed).not.toContain('curproc');
    process.kill(t.pid, 'SIGSTOP');
    try {
      await until(() => procState(t.pid).state === 'T', 'target stopped');
      const cat = await sh(`cat ${m.dir}/${t.pid}/status`);
      expect(cat.stdout).toBe(pdbg(['--via', sshd.hop, 'status', String(t.pid)], { env }).stdout);
    } finally {
      process.kill(t.pid, 'SIGCONT');
    }
    const r = await sh(`cd ${m.dir}/${t.pid} && echo attach > ctl && echo wait > ctl && cat why && echo detach > ctl && cat why`);
    expect(r).toMatchObject({ status: 0, stdout: `stopped ${t.pid} attach\ndetached\n` });
    await stopMount(m);
    expect(mountedAt(m.dir)).toBe(false);
  }, 120_000);
});
