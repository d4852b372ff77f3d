/**
 * The FUSE library for real: a toy FuseFilesystem mounted by mount(2), driven only with shell
 * tools in child processes (never a sync call: the JS thread that serves the mount must stay
 * free). The crash test runs a daemon in a child node process (test/helpers/fuse-daemon.mjs,
 * over the built dist/) and SIGKILLs it.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FuseAttr, FuseCaller, FuseDirEntry, FuseFilesystem, FuseFileType } from '../src/fuse/filesystem.js';
import { mountFuse, MountError } from '../src/fuse/mount.js';
import { FuseSession } from '../src/fuse/session.js';
import { mountSkipReason } from './helpers/pdbg-mount.js';
import { repoRoot } from './helpers/targets.js';

const why = mountSkipReason() || '';
if (why) process.stderr.write(`SKIP fuse-session: ${why}\n`);
const daemonScript = join(repoRoot, 'test/helpers/fuse-daemon.mjs');
const distBuilt = existsSync(join(repoRoot, 'dist/src/fuse/session.js'));
if (!why && !distBuilt) process.stderr.write('SKIP fuse-session crash test: dist/ not built (npx tsc -p tsconfig.json)\n');

interface Run {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** A command in a child process, never waited for synchronously; killed after `timeoutMs`. */
function run(cmd: string, args: readonly string[], timeoutMs = 10_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8' }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: unknown; signal?: NodeJS.Signals | null }) | null;
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout, stderr });
    });
  });
}
const sh = (script: string, timeoutMs?: number) => run('/bin/sh', ['-c', script], timeoutMs);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !ok(); ) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const mountedAt = (dir: string) => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === dir && l.includes(' - fuse.pdbg '));

const err = (code: string) => Object.assign(new Error(code), { code });
const BIG = (1n << 62n) + 3n; // past 2^53: a double cannot hold it

/** The toy file system: every kind of node the session must serve. */
class ToyFs implements FuseFilesystem {
  reads = 0;
  writes: { ino: bigint; offset: bigint; data: string }[] = [];
  setattrs: { ino: bigint; size?: bigint }[] = [];
  blockStarted: Promise<void>;
  blockAborted = false;
  private startedBlock!: () => void;
  private readonly nodes = new Map<bigint, { name: string; parent: bigint; type: FuseFileType; perm: number }>();
  readonly many: FuseDirEntry[] = [];

  constructor() {
    this.blockStarted = new Promise((r) => (this.startedBlock = r));
    const add = (ino: bigint, parent: bigint, name: string, type: FuseFileType, perm: number) => this.nodes.set(ino, { name, parent, type, perm });
    add(1n, 1n, '', 'dir', 0o555);
    add(2n, 1n, 'now', 'file', 0o444);
    add(3n, 1n, 'rec', 'file', 0o644);
    add(4n, 1n, 'link', 'link', 0o777);
    add(5n, 1n, 'sub', 'dir', 0o555);
    add(6n, 5n, 'inner', 'file', 0o444);
    add(7n, 1n, 'block', 'file', 0o200);
    add(8n, 1n, 'ro', 'file', 0o644);
    add(9n, 1n, 'noread', 'file', 0o200);
    add(10n, 1n, 'offs', 'file', 0o444);
    add(11n, 1n, 'many', 'dir', 0o555);
    for (let i = 0; i < 300; i++) {
      const ino = 100n + BigInt(i);
      const name = `entry-with-a-longish-name-${String(i).padStart(4, '0')}`;
      add(ino, 11n, name, 'file', 0o444);
      this.many.push({ name, ino, type: 'file' });
    }
  }

  private attr(ino: bigint): FuseAttr {
    const n = this.nodes.get(ino);
    if (!n) throw err('ENOENT');
    return { ino, type: n.type, perm: n.perm, nlink: n.type === 'dir' ? 2 : 1, uid: 0, gid: 0, size: 0n };
  }
  async lookup(_c: FuseCaller, parent: bigint, name: string) {
    for (const [ino, n] of this.nodes) if (ino !== 1n && n.parent === parent && n.name === name) return { attr: this.attr(ino), entryTtl: 0, attrTtl: 0 };
    throw err('ENOENT');
  }
  forget(): void {}
  async getattr(_c: FuseCaller, ino: bigint) {
    return this.attr(ino);
  }
  async setattr(_c: FuseCaller, ino: bigint, set: { size?: bigint }) {
    this.setattrs.push({ ino, ...(set.size !== undefined ? { size: set.size } : {}) });
    return this.attr(ino);
  }
  async readlink(_c: FuseCaller, ino: bigint) {
    if (ino !== 4n) throw err('EINVAL');
    return Buffer.from('now');
  }
  async open(_c: FuseCaller, ino: bigint) {
    return { fh: ino * 10n, directIo: true };
  }
  async read(_c: FuseCaller, ino: bigint, _fh: bigint, offset: bigint, size: number) {
    if (ino === 2n) return offset === 0n ? Buffer.from(`read ${++this.reads}\n`) : Buffer.alloc(0);
    if (ino === 10n) return Buffer.from(`@${offset};`).subarray(0, size);
    if (ino === 6n) return Buffer.from(offset === 0n ? 'inner\n' : '');
    return Buffer.alloc(0);
  }
  async write(c: FuseCaller, ino: bigint, _fh: bigint, offset: bigint, data: Buffer) {
    if (ino === 8n) throw err('EOPNOTSUPP');
    if (ino === 7n) {
      this.startedBlock();
      return new Promise<number>((_, reject) =>
        c.signal.addEventListener('abort', () => {
          this.blockAborted = true;
          reject(new Error('gave up'));
        }),
      );
    }
    this.writes.push({ ino, offset, data: data.toString() });
    return data.length;
  }
  async flush() {}
  async release() {}
  async opendir(_c: FuseCaller, ino: bigint) {
    return { fh: ino * 100n, directIo: false };
  }
  async readdir(_c: FuseCaller, ino: bigint) {
    const out: FuseDirEntry[] = [
      { name: '.', ino, type: 'dir' },
      { name: '..', ino: this.nodes.get(ino)!.parent, type: 'dir' },
    ];
    for (const [i, n] of this.nodes) if (i !== 1n && n.parent === ino) out.push({ name: n.name, ino: i, type: n.type });
    return out;
  }
  async releasedir() {}
  async statfs() {
    return { blocks: 0n, bfree: 0n, files: 11n, ffree: 0n, namelen: 200 };
  }
  async access(_c: FuseCaller, ino: bigint, mask: number) {
    if (ino === 9n && mask & 4) throw err('EACCES');
  }
  destroyed = 0;
  async destroy() {
    this.destroyed++;
  }
}

describe.skipIf(!!why)('FUSE session over a real mount', () => {
  let base: string;
  let dir: string;
  let fs: ToyFs;
  let session: FuseSession;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'pdbg-fuse-'));
    dir = join(base, 'mnt');
    mkdirSync(dir);
    fs = new ToyFs();
    session = FuseSession.start(await mountFuse(dir), fs);
  });

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await session?.stop();
    for (const d of ['mnt', 'm2', 'm3', 'm4']) if (mountedAt(join(base, d))) await run('umount', ['-l', join(base, d)]);
    rmSync(base, { recursive: true, force: true });
  });

  it('lists the root with sizes 0 and the symlink', async () => {
    const r = await run('ls', ['-l', dir]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => / \d\d:\d\d /.test(l));
    expect(lines.map((l) => l.split(/\s+/).slice(8).join(' ')).sort()).toEqual(['block', 'link -> now', 'many', 'noread', 'now', 'offs', 'rec', 'ro', 'sub']);
    for (const l of lines.filter((x) => x.startsWith('-'))) expect(l.split(/\s+/)[4]).toBe('0');
    expect((await run('ls', [join(dir, 'sub')])).stdout).toBe('inner\n');
  });

  it('reads what the node says now, though the size is 0 (direct I/O)', async () => {
    expect((await run('stat', ['-c', '%s', join(dir, 'now')])).stdout).toBe('0\n');
    const a = await run('cat', [join(dir, 'now')]);
    const b = await run('cat', [join(dir, 'now')]);
    expect(a.stdout).toMatch(/^read \d+\n$/);
    expect(b.stdout).not.toBe(a.stdout);
    expect((await run('cat', [join(dir, 'link')])).stdout).toMatch(/^read \d+\n$/);
    expect((await run('readlink', [join(dir, 'link')])).stdout).toBe('now\n');
  });

  it("serves the shell's `>`: SETATTR size 0, then WRITE", async () => {
    fs.writes = [];
    fs.setattrs = [];
    const r = await sh(`echo hello > '${dir}/rec'`);
    expect(r.code).toBe(0);
    expect(fs.setattrs).toContainEqual({ ino: 3n, size: 0n });
    expect(fs.writes).toEqual([{ ino: 3n, offset: 0n, data: 'hello\n' }]);
  });

  it('carries offsets past 2^53 both ways (dd, python3 pread)', async () => {
    fs.writes = [];
    const w = await sh(`printf abcd | dd of='${dir}/rec' bs=4 count=1 seek=${BIG} oflag=seek_bytes conv=notrunc status=none`);
    expect(w.stderr).toBe('');
    expect(fs.writes).toEqual([{ ino: 3n, offset: BIG, data: 'abcd' }]);
    const r = await sh(`dd if='${dir}/offs' bs=64 count=1 skip=${BIG} iflag=skip_bytes status=none`);
    expect(r.stdout).toBe(`@${BIG};`);
    const py = await run('python3', ['-c', `import os; fd = os.open('${dir}/offs', os.O_RDONLY); print(os.pread(fd, 8, ${BIG}).decode())`]);
    expect(py.stdout).toBe(`@${BIG}`.slice(0, 8) + '\n');
  });

  it('pages a directory bigger than one READDIR', async () => {
    const r = await run('ls', ['-f', join(dir, 'many')]);
    const names = r.stdout.split('\n').filter(Boolean);
    expect(names.length).toBe(302);
    expect(names.filter((n) => n.startsWith('entry-')).sort()).toEqual(fs.many.map((e) => e.name));
  });

  it('answers STATFS and ACCESS', async () => {
    expect((await run('stat', ['-f', '-c', '%l', dir])).stdout).toBe('200\n');
    expect((await run('/usr/bin/test', ['-r', join(dir, 'noread')])).code).toBe(1);
    expect((await run('/usr/bin/test', ['-w', join(dir, 'noread')])).code).toBe(0);
    expect((await run('/usr/bin/test', ['-r', join(dir, 'now')])).code).toBe(0);
  });

  it('gives the shell the errno: EOPNOTSUPP, ENOENT, ENOSYS', async () => {
    // bash, not dash: dash reports every failed write as "I/O error".
    const w = await run('bash', ['-c', `echo x > '${dir}/ro'`]);
    expect(w.code).not.toBe(0);
    expect(w.stderr).toMatch(/Operation not supported/);
    expect((await run('cat', [join(dir, 'missing')])).stderr).toMatch(/No such file or directory/);
    expect((await run('mkdir', [join(dir, 'newdir')])).stderr).toMatch(/Function not implemented/);
  });

  it('INTERRUPT: a blocked write ends with EINTR on SIGINT; other requests are served meanwhile', async () => {
    const child = spawn('/bin/sh', ['-c', `echo go > '${dir}/block'`], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
    await fs.blockStarted;
    // Concurrency: the blocked WRITE holds nothing but its own promise.
    expect((await run('cat', [join(dir, 'sub', 'inner')])).stdout).toBe('inner\n');
    child.kill('SIGINT');
    const timeout = new Promise<'hung'>((r) => setTimeout(() => r('hung'), 10_000).unref());
    const end = await Promise.race([exited, timeout]);
    expect(end).not.toBe('hung');
    expect(end === 'hung' || end.code !== 0).toBe(true);
    expect(fs.blockAborted).toBe(true);
    expect(session.stats().INTERRUPT).toBeGreaterThanOrEqual(1);
    expect((await run('cat', [join(dir, 'sub', 'inner')])).stdout).toBe('inner\n');
  });

  it('`umount DIR` from outside ends `done`, and the watchdog goes', async () => {
    const d = join(base, 'm2');
    mkdirSync(d);
    const toy = new ToyFs();
    const m = await mountFuse(d);
    const s = FuseSession.start(m, toy);
    expect((await run('cat', [join(d, 'sub', 'inner')])).stdout).toBe('inner\n');
    expect((await run('umount', [d])).code).toBe(0);
    await s.done;
    expect(mountedAt(d)).toBe(false);
    expect(toy.destroyed).toBe(1);
    await until('the watchdog to exit', () => !alive(m.watchdogPid!));
  });

  it('a clean stop() unmounts and leaves no watchdog', async () => {
    const d = join(base, 'm4');
    mkdirSync(d);
    const m = await mountFuse(d);
    const s = FuseSession.start(m, new ToyFs());
    expect((await run('ls', [d])).code).toBe(0);
    expect(alive(m.watchdogPid!)).toBe(true);
    await s.stop();
    await s.done;
    expect(mountedAt(d)).toBe(false);
    expect(alive(m.watchdogPid!)).toBe(false);
    await s.stop(); // idempotent
  });

  it.skipIf(!distBuilt)('a SIGKILLed daemon leaves no mount, `ls` does not hang, the watchdog exits', async () => {
    const d = join(base, 'm3');
    mkdirSync(d);
    const daemon = spawn(process.execPath, [daemonScript, d], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(daemon);
    const ready = await new Promise<string>((resolve, reject) => {
      let out = '';
      daemon.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        if (out.includes('\n')) resolve(out);
      });
      daemon.on('exit', () => reject(new Error(`daemon exited: ${out}`)));
    });
    const watchdog = Number(/^ready (\d+)/.exec(ready)![1]);
    expect((await run('cat', [join(d, 'hello')])).stdout).toBe('hello\n');
    daemon.kill('SIGKILL');
    await until('the mount to go', () => !mountedAt(d));
    const ls = await run('ls', [d], 5000);
    expect(ls.signal).toBeNull();
    expect(ls.code).toBe(0);
    await until('the watchdog to exit', () => !alive(watchdog));
  });
});

describe('mount point checks (no mount is made)', () => {
  let base: string;
  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'pdbg-fusechk-'));
    mkdirSync(join(base, 'full'));
    writeFileSync(join(base, 'full', 'x'), '');
    mkdirSync(join(base, 'real', 'inner'), { recursive: true });
    symlinkSync(join(base, 'real'), join(base, 'link'));
    writeFileSync(join(base, 'file'), '');
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('refuses a symlink, a path through one, a non-empty directory, a file, a missing path', async () => {
    await expect(mountFuse(join(base, 'link'))).rejects.toThrow(/is a symlink/);
    await expect(mountFuse(join(base, 'link', 'inner'))).rejects.toThrow(/passes through a symlink/);
    await expect(mountFuse(join(base, 'link', 'inner'))).rejects.toBeInstanceOf(MountError);
    await expect(mountFuse(join(base, 'full'))).rejects.toThrow(/not empty/);
    await expect(mountFuse(join(base, 'file'))).rejects.toThrow(/not a directory/);
    await expect(mountFuse(join(base, 'nope'))).rejects.toThrow(/does not exist/);
  });
});
