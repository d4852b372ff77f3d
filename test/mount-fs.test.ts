/**
 * The mount's file system called directly, as the FUSE session would (fake callers with their
 * uid/gid/pid and an AbortSignal), over the fake source: the tree from the node table, the
 * snapshot reads, ctl words and their errnos, the access rules, controllers, the joined wait
 * and jail scoping (callers placed in namespaces by a made-up /proc). No root, no FUSE.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FuseCaller } from '../src/fuse/filesystem.js';
import { canDebug, nodeAccess, nodePerm, wantOfFlags, wantOfMask } from '../src/mount/access.js';
import { CURPROC_INO, inoOf, itemOf, LookupCounts, ROOT_INO, type Item } from '../src/mount/inodes.js';
import { ProcfsFilesystem } from '../src/mount/procfs-fs.js';
import { ProcfsError } from '../src/procfs/errors.js';
import { formatJailNode } from '../src/procfs/jail-node.js';
import { NODE_TABLE, nodeSpec, type NodeName } from '../src/procfs/node.js';
import type { NodeOptions } from '../src/procfs/source.js';
import { FakeProcFs } from '../src/procfs/sources/fake.js';
import { DATA, spinner, straightLine } from '../src/procfs/sources/fake/programs.js';
import { formatStatus, parseStatus } from '../src/procfs/status.js';

const O_RDONLY = 0;
const O_WRONLY = 1;
const O_RDWR = 2;

interface Creds {
  euid: number;
  ruid: number;
  egid?: number;
  rgid?: number;
  jid?: number;
}

/** The fake source with each process's credentials and jail as the test says, and a count of ctl writes. */
class CredFake extends FakeProcFs {
  readonly creds = new Map<number, Creds>();
  readonly ctlWrites: string[] = [];

  override async read(pid: number, node: NodeName, opts: NodeOptions = {}): Promise<Buffer> {
    const data = await super.read(pid, node, opts);
    const c = this.creds.get(pid);
    if (!c) return data;
    if (node === 'status') {
      const s = parseStatus(data.toString('latin1'));
      return Buffer.from(formatStatus({ ...s, euid: c.euid, ruid: c.ruid, egid: c.egid ?? c.ruid, rgid: c.rgid ?? c.ruid, start: { sec: 1700000000 + pid, usec: 0 } }), 'latin1');
    }
    if (node === 'jail') return Buffer.from(formatJailNode({ jid: c.jid ?? 0, hostname: c.jid ? `j${c.jid}` : null }));
    return data;
  }

  override async write(pid: number, node: NodeName, data: string | Uint8Array, opts: NodeOptions = {}): Promise<number> {
    if (node === 'ctl') this.ctlWrites.push(`${pid} ${String(data).trim()}`);
    return super.write(pid, node, data, opts);
  }
}

/**
 * A made-up /proc for the callers: each caller pid with its Tgid, a stat line (start time) and
 * its UTS namespace link; `self` and 1 in the host's namespace 100.
 */
const procRoot = mkdtempSync(join(tmpdir(), 'pdbg-mountfs-'));
function fakeCaller(pid: number, uts: number, tgid = pid, start = 5000): void {
  const dir = join(procRoot, String(pid));
  mkdirSync(join(dir, 'ns'), { recursive: true });
  rmSync(join(dir, 'ns/uts'), { force: true });
  symlinkSync(`uts:[${uts}]`, join(dir, 'ns/uts'));
  writeFileSync(join(dir, 'status'), `Name:\tsh\nTgid:\t${tgid}\nPid:\t${pid}\n`);
  const fields = ['S', ...Array.from({ length: 18 }, () => '0'), String(start), ...Array.from({ length: 30 }, () => '0')];
  writeFileSync(join(dir, 'stat'), `${pid} (sh) ${fields.join(' ')}\n`);
}
const HOST_NS = 100;
fakeCaller(1, HOST_NS);
mkdirSync(join(procRoot, 'self/ns'), { recursive: true });
symlinkSync(`uts:[${HOST_NS}]`, join(procRoot, 'self/ns/uts'));
const ROOT_SHELL = 500;
const USER_SHELL = 501;
const OTHER_USER = 502;
const JAILED = 600;
const JAILED_THREAD = 601; // a thread of JAILED
const OTHER_JAIL = 700;
fakeCaller(ROOT_SHELL, HOST_NS);
fakeCaller(USER_SHELL, HOST_NS);
fakeCaller(OTHER_USER, HOST_NS);
fakeCaller(JAILED, 4026532000);
fakeCaller(JAILED_THREAD, 4026532000, JAILED);
fakeCaller(OTHER_JAIL, 4026532999);

afterAll(() => rmSync(procRoot, { recursive: true, force: true }));

function caller(pid: number, uid: number, signal: AbortSignal = new AbortController().signal): FuseCaller {
  return { uid, gid: uid, pid, signal };
}
const root = caller(ROOT_SHELL, 0);
const user = caller(USER_SHELL, 1000);

function setup(sameMachine = true) {
  const fs = new CredFake();
  const fsys = new ProcfsFilesystem(fs, { sameMachine, procRoot, controllers: { checkMs: 60_000 } });
  return { fs, fsys };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e instanceof ProcfsError ? e.code : `not a ProcfsError: ${String(e)}`;
  }
}

/** LOOKUP along a path from the root, as the kernel walks it. */
async function walk(fsys: ProcfsFilesystem, c: FuseCaller, path: string): Promise<bigint> {
  let ino = ROOT_INO;
  for (const name of path.split('/').filter(Boolean)) ino = (await fsys.lookup(c, ino, name)).attr.ino;
  return ino;
}

async function readAll(fsys: ProcfsFilesystem, c: FuseCaller, path: string): Promise<string> {
  const ino = await walk(fsys, c, path);
  const { fh } = await fsys.open(c, ino, O_RDONLY);
  let out = '';
  for (let off = 0n; ; ) {
    const b = await fsys.read(c, ino, fh, off, 7);
    if (b.length === 0) break;
    out += b.toString('latin1');
    off += BigInt(b.length);
  }
  await fsys.release(c, ino, fh);
  return out;
}

async function writeWord(fsys: ProcfsFilesystem, c: FuseCaller, path: string, word: string): Promise<number> {
  const ino = await walk(fsys, c, path);
  const { fh } = await fsys.open(c, ino, O_WRONLY);
  try {
    return await fsys.write(c, ino, fh, 0n, Buffer.from(`${word}\n`));
  } finally {
    await fsys.release(c, ino, fh);
  }
}

describe('inode numbers', () => {
  it('are computed from the path and decode back to it, for every kind', () => {
    const items: Item[] = [
      { kind: 'root' }, { kind: 'curproc' }, { kind: 'proc', pid: 1 }, { kind: 'proc', pid: 4194303 }, { kind: 'task', pid: 77 },
      { kind: 'thread', pid: 77, tid: 78 },
      ...NODE_TABLE.map((spec): Item => ({ kind: 'node', pid: 77, spec })),
      ...NODE_TABLE.filter((s) => s.scope === 'thread').map((spec): Item => ({ kind: 'node', pid: 77, tid: 78, spec })),
    ];
    const inos = items.map(inoOf);
    expect(new Set(inos).size).toBe(items.length);
    expect(inos[0]).toBe(1n);
    expect(inos[1]).toBe(CURPROC_INO);
    for (const [i, ino] of inos.entries()) {
      expect(itemOf(ino)).toEqual(items[i]);
      expect(ino < 1n << 63n).toBe(true);
    }
    // Numbers never given: a process-scoped node under a thread, a task dir of a thread, junk.
    expect(itemOf(inoOf({ kind: 'node', pid: 77, spec: nodeSpec('mem') }) | (78n << 5n))).toBeUndefined();
    expect(itemOf(inoOf({ kind: 'task', pid: 77 }) | (78n << 5n))).toBeUndefined();
    expect(itemOf(3n)).toBeUndefined();
    expect(itemOf((77n << 34n) | 29n)).toBeUndefined();
    expect(itemOf((77n << 34n) | 31n)).toEqual({ kind: 'files', pid: 77, which: 'map_files' });
    expect(itemOf((77n << 34n) | (78n << 5n) | 30n)).toBeUndefined();
  });

  it('count the kernel\'s lookups until FORGET gives them back', () => {
    const c = new LookupCounts();
    c.looked(5n);
    c.looked(5n);
    c.looked(ROOT_INO);
    expect(c.of(5n)).toBe(2n);
    c.forget(5n, 1n);
    expect(c.of(5n)).toBe(1n);
    c.forget(5n, 1n);
    expect(c.size).toBe(0);
  });
});

describe('access rules (p_candebug, procfs modes)', () => {
  const owner = { euid: 1000, ruid: 1000, egid: 1000, rgid: 1000 };
  const me = { uid: 1000, gid: 1000 };
  it('give the table\'s modes as stat bits', () => {
    expect(nodePerm('r')).toBe(0o444);
    expect(nodePerm('w')).toBe(0o200);
    expect(nodePerm('rw')).toBe(0o600);
  });

  it('let root and the owner debug, nobody else, and no set-id process but for root', () => {
    expect(canDebug({ uid: 0, gid: 0 }, { euid: 0, ruid: 1000, egid: 0, rgid: 1000 })).toBeNull();
    expect(canDebug(me, owner)).toBeNull();
    expect(canDebug({ uid: 1001, gid: 1001 }, owner)?.code).toBe('EACCES');
    // set-uid root program started by uid 1000: euid 0, ruid 1000
    expect(canDebug(me, { ...owner, euid: 0 })?.reason).toMatch(/does not own/);
    // set-uid to the caller's own uid from another user's program: still set-id
    expect(canDebug(me, { ...owner, ruid: 1000, euid: 1000, egid: 50 })?.reason).toMatch(/set-id/);
    expect(canDebug(me, { euid: 1000, ruid: null, egid: 1000, rgid: null })?.code).toBe('EACCES');
  });

  it('read the readable nodes for all, write none of them, and follow the mode for root too', () => {
    const other = { uid: 1001, gid: 1001 };
    for (const n of ['status', 'cmdline', 'map', 'etype', 'jail', 'maps'] as const) {
      expect(nodeAccess(other, owner, nodeSpec(n), { read: true, write: false })).toBeNull();
      expect(nodeAccess({ uid: 0, gid: 0 }, owner, nodeSpec(n), { read: false, write: true })?.code).toBe('EACCES');
    }
    for (const n of ['ctl', 'mem', 'regs', 'fpregs', 'note', 'notepg', 'why'] as const) {
      const want = nodeSpec(n).mode === 'r' ? { read: true, write: false } : { read: false, write: true };
      expect(nodeAccess(other, owner, nodeSpec(n), want)?.code, n).toBe('EACCES');
      expect(nodeAccess(me, owner, nodeSpec(n), want), n).toBeNull();
    }
    expect(nodeAccess({ uid: 0, gid: 0 }, owner, nodeSpec('ctl'), { read: true, write: false })?.code).toBe('EACCES');
    expect(nodeAccess(me, owner, nodeSpec('file'), { read: true, write: false })).toBeNull();
    expect(nodeAccess(me, owner, nodeSpec('status'), { read: true, write: false, exec: true })?.code).toBe('EACCES');
    expect(wantOfFlags(O_RDWR)).toEqual({ read: true, write: true });
    expect(wantOfMask(4 | 2)).toEqual({ read: true, write: true, exec: false });
  });
});

describe('the tree', () => {
  it('lists the root (curproc, every pid), a process (the node table and task/) and its threads', async () => {
    const { fs, fsys } = setup();
    const a = fs.add(spinner());
    const b = fs.add(straightLine(4, 0));
    const rootList = await fsys.readdir(root, ROOT_INO, 0n);
    expect(rootList.map((e) => e.name)).toEqual(['.', '..', 'curproc', String(a), String(b)]);
    expect(rootList.find((e) => e.name === 'curproc')?.type).toBe('link');
    const pino = await walk(fsys, root, String(a));
    const dir = await fsys.readdir(root, pino, 0n);
    expect(dir.map((e) => e.name)).toEqual(['.', '..', 'task', 'root', 'map_files', ...NODE_TABLE.map((n) => n.name)]);
    expect(dir.find((e) => e.name === 'file')?.type).toBe('link');
    const task = await fsys.readdir(root, await walk(fsys, root, `${a}/task`), 0n);
    expect(task.map((e) => e.name)).toEqual(['.', '..', String(a), String(a + 1)]);
    const thread = await fsys.readdir(root, await walk(fsys, root, `${a}/task/${a + 1}`), 0n);
    expect(thread.map((e) => e.name)).toEqual(['.', '..', 'status', 'ctl', 'regs', 'fpregs']);
    // What readdir numbers is what lookup numbers.
    expect((await fsys.lookup(root, pino, 'mem')).attr.ino).toBe(dir.find((e) => e.name === 'mem')!.ino);
  });

  it('stats nodes with the table\'s modes, owned by the target\'s euid, zero-size', async () => {
    const { fs, fsys } = setup();
    const pid = fs.add(spinner());
    fs.creds.set(pid, { euid: 1000, ruid: 1000, egid: 100, rgid: 100 });
    const pino = await walk(fsys, root, String(pid));
    const modes: Record<string, number> = {};
    for (const n of NODE_TABLE) {
      const e = await fsys.lookup(root, pino, n.name);
      modes[n.name] = e.attr.perm;
      expect(e.attr.uid).toBe(1000);
      expect(e.attr.gid).toBe(100);
      expect(e.attr.size).toBe(0n);
      expect(e.entryTtl).toBe(0);
    }
    expect(modes).toMatchObject({ status: 0o444, ctl: 0o200, mem: 0o600, regs: 0o600, note: 0o200, why: 0o444, file: 0o777 });
    const d = await fsys.getattr(root, pino);
    expect([d.type, d.perm, d.uid]).toEqual(['dir', 0o555, 1000]);
    expect(fsys.lookupCount(pino)).toBe(1n);
    fsys.forget(pino, 1n);
    expect(fsys.lookupCount(pino)).toBe(0n);
  });

  it('says ENOENT for names that are not there, and for a process once gone', async () => {
    const { fs, fsys } = setup();
    const pid = fs.add(spinner());
    expect(await code(fsys.lookup(root, ROOT_INO, '999999'))).toBe('ENOENT');
    expect(await code(fsys.lookup(root, ROOT_INO, '007'))).toBe('ENOENT');
    expect(await code(fsys.lookup(root, ROOT_INO, 'status'))).toBe('ENOENT');
    const pino = await walk(fsys, root, String(pid));
    expect(await code(fsys.lookup(root, pino, 'nosuch'))).toBe('ENOENT');
    expect(await code(walk(fsys, root, `${pid}/task/${pid}/mem`))).toBe('ENOENT');
    expect(await code(walk(fsys, root, `${pid}/task/${pid + 5}`))).toBe('ENOENT');
    const sino = await walk(fsys, root, `${pid}/status`);
    const { fh } = await fsys.open(root, sino, O_RDONLY);
    fs.remove(pid);
    expect(await code(fsys.lookup(root, ROOT_INO, String(pid)))).toBe('ENOENT');
    expect(await code(fsys.getattr(root, sino))).toBe('ENOENT');
    expect(await code(fsys.read(root, sino, fh, 0n, 100))).toBe('ESRCH');
  });

  it('links curproc to the caller\'s process (its thread group), file to the executable', async () => {
    const { fs, fsys } = setup();
    const pid = fs.add(spinner());
    expect((await fsys.readlink(root, CURPROC_INO)).toString()).toBe(String(ROOT_SHELL));
    expect((await fsys.readlink(caller(JAILED_THREAD, 0), CURPROC_INO)).toString()).toBe(String(JAILED));
    expect((await fsys.readlink(root, await walk(fsys, root, `${pid}/file`))).toString()).toBe('/fake/spinner');
  });
});

describe('reading and writing nodes', () => {
  it('serves a text node from one snapshot per read at offset 0', async () => {
    const { fs, fsys } = setup();
    const pid = fs.add(spinner());
    const direct = (await fs.read(pid, 'status')).toString('latin1');
    expect(await readAll(fsys, root, `${pid}/status`)).toBe(direct);
    // Between two pieces of one cat the process changes: the second piece is still the first's text.
    const ino = await walk(fsys, root, `${pid}/why`);
    const { fh } = await fsys.open(root, ino, O_RDONLY);
    expect((await fsys.read(root, ino, fh, 0n, 3)).toString()).toBe('unt');
    await writeWord(fsys, root, `${pid}/ctl`, 'attach');
    await writeWord(fsys, root, `${pid}/ctl`, 'wait');
    expect((await fsys.read(root, ino, fh, 3n, 100)).toString()).toBe('raced\n');
    expect((await fsys.read(root, ino, fh, 0n, 100)).toString()).toMatch(/^stopped \d+ attach\n$/);
    await writeWord(fsys, root, `${pid}/ctl`, 'detach');
  });

  it('drives a target with ctl words; regs are the raw struct; mem at offset = address', async () => {
    const { fs, fsys } = setup();
    const pid = fs.add(spinner());
    for (const w of ['attach', 'wait']) expect(await writeWord(fsys, root, `${pid}/ctl`, w)).toBe(w.length + 1);
    expect(await readAll(fsys, root, `${pid}/why`)).toMatch(/^stopped \d+ attach\n$/);
    const regsIno = await walk(fsys, root, `${pid}/regs`);
    const { fh } = await fsys.open(root, regsIno, O_RDONLY);
    const regs = await fsys.read(root, regsIno, fh, 0n, 4096);
    expect(regs).toEqual(await fs.read(pid, 'regs'));
    expect(regs.length).toBe(216);
    const rip = (await fsys.read(root, regsIno, fh, 128n, 8)).readBigUInt64LE(0);
    await writeWord(fsys, root, `${pid}/ctl`, 'step');
    await writeWord(fsys, root, `${pid}/ctl`, 'wait');
    expect(await readAll(fsys, root, `${pid}/why`)).toMatch(/^stopped \d+ step\n$/);
    expect((await fsys.read(root, regsIno, fh, 128n, 8)).readBigUInt64LE(0)).toBe(rip + 1n);
    const memIno = await walk(fsys, root, `${pid}/mem`);
    const m = await fsys.open(root, memIno, O_RDWR);
    expect(await fsys.write(root, memIno, m.fh, DATA + 8n, Buffer.from('pdbg'))).toBe(4);
    expect((await fsys.read(root, memIno, m.fh, DATA + 6n, 8)).toString('latin1')).toBe('\x11\x11pdbg\x11\x11');
    expect(await code(fsys.read(root, memIno, m.fh, 0x10n, 8))).toBe('EIO');
    // A short read where the mapping ends.
    expect((await fsys.read(root, memIno, m.fh, DATA + 0xffcn, 64)).length).toBe(4);
    expect(await writeWord(fsys, root, `${pid}/ctl`, 'detach')).toBe(7);
  });

  it('fails an unknown ctl word with EOPNOTSUPP, a step of an untraced target with EBUSY', async () => {
    const { fs, fsys } = setup();
    const pid = fs.add(spinner());
    expect(await code(writeWord(fsys, root, `${pid}/ctl`, 'frobnicate'))).toBe('EOPNOTSUPP');
    expect(await code(writeWord(fsys, root, `${pid}/ctl`, 'step'))).toBe('EBUSY');
  });

  it('refuses a caller attaching itself (EINVAL, as BSD)', async () => {
    const { fs, fsys } = setup();
    fs.add(spinner(ROOT_SHELL));
    expect(await code(writeWord(fsys, root, `${ROOT_SHELL}/ctl`, 'attach'))).toBe('EINVAL');
    expect((await fs.read(ROOT_SHELL, 'why')).toString()).toBe('untraced\n');
  });

  it('takes the shell\'s truncate on writable nodes only, and opens each node only its way', async () => {
    const { fs, fsys } = setup();
    const pid = fs.add(spinner());
    const ctl = await walk(fsys, root, `${pid}/ctl`);
    expect((await fsys.setattr(root, ctl, { size: 0n })).perm).toBe(0o200);
    expect(await code(fsys.setattr(root, ctl, { size: 3n }))).toBe('EINVAL');
    expect(await code(fsys.setattr(root, ctl, { mode: 0o777 }))).toBe('EPERM');
    const status = await walk(fsys, root, `${pid}/status`);
    expect(await code(fsys.setattr(root, status, { size: 0n }))).toBe('EACCES');
    expect(await code(fsys.open(root, status, O_WRONLY))).toBe('EACCES');
    expect(await code(fsys.open(root, ctl, O_RDONLY))).toBe('EACCES');
    expect(await code(fsys.open(root, ctl, O_RDWR))).toBe('EACCES');
    expect(await code(fsys.opendir(root, ctl))).toBe('ENOTDIR');
    expect(await code(fsys.access(root, status, 4))).toBe('ok');
    expect(await code(fsys.access(root, status, 2))).toBe('EACCES');
  });
});

describe('access through the mount', () => {
  it('lets a user read status of root\'s process but not ctl, mem or why', async () => {
    const { fs, fsys } = setup();
    const pid = fs.add(spinner());
    fs.creds.set(pid, { euid: 0, ruid: 0 });
    expect(await readAll(fsys, user, `${pid}/status`)).toMatch(/^spinner /);
    for (const [n, flags] of [['ctl', O_WRONLY], ['mem', O_RDONLY], ['why', O_RDONLY], ['regs', O_RDONLY], ['note', O_WRONLY]] as const) {
      const ino = await walk(fsys, user, `${pid}/${n}`);
      expect(await code(fsys.open(user, ino, flags)), n).toBe('EACCES');
      expect(await code(fsys.access(user, ino, flags === O_WRONLY ? 2 : 4)), n).toBe('EACCES');
    }
  });

  it('lets a user control its own process, never a set-id one', async () => {
    const { fs, fsys } = setup();
    const own = fs.add(spinner());
    fs.creds.set(own, { euid: 1000, ruid: 1000 });
    const setuid = fs.add(spinner());
    fs.creds.set(setuid, { euid: 0, ruid: 1000 });
    const setgid = fs.add(spinner());
    fs.creds.set(setgid, { euid: 1000, ruid: 1000, egid: 0, rgid: 1000 });
    expect(await writeWord(fsys, user, `${own}/ctl`, 'attach')).toBe(7);
    expect(await writeWord(fsys, user, `${own}/ctl`, 'detach')).toBe(7);
    expect(await code(writeWord(fsys, user, `${setuid}/ctl`, 'attach'))).toBe('EACCES');
    expect(await code(writeWord(fsys, user, `${setgid}/ctl`, 'attach'))).toBe('EACCES');
    expect(await code(writeWord(fsys, root, `${setuid}/ctl`, 'attach'))).toBe('ok');
    await writeWord(fsys, root, `${setuid}/ctl`, 'detach');
  });

  it('checks a passed descriptor against its new holder, and a process that turned set-id', async () => {
    const { fs, fsys } = setup();
    const pid = fs.add(spinner());
    fs.creds.set(pid, { euid: 1000, ruid: 1000 });
    const mem = await walk(fsys, root, `${pid}/mem`);
    // Opened by root, then read by a user who does not own the target (fd passing).
    const byRoot = await fsys.open(root, mem, O_RDONLY);
    expect(await code(fsys.read(root, mem, byRoot.fh, DATA, 8))).toBe('ok');
    expect(await code(fsys.read(caller(OTHER_USER, 1001), mem, byRoot.fh, DATA, 8))).toBe('EACCES');
    expect(await code(fsys.read(user, mem, byRoot.fh, DATA, 8))).toBe('ok');
    // The owner opened it; the process then exec'd a set-uid program.
    const byUser = await fsys.open(user, mem, O_RDONLY);
    expect(await code(fsys.read(user, mem, byUser.fh, DATA, 8))).toBe('ok');
    fs.creds.set(pid, { euid: 0, ruid: 1000 });
    expect(await code(fsys.read(user, mem, byUser.fh, DATA, 8))).toBe('EACCES');
  });
});

describe('controllers', () => {
  it('refuse another uid\'s words (EBUSY) and release the target when the controller exits', async () => {
    const fs = new CredFake();
    let alive = true;
    const fsys = new ProcfsFilesystem(fs, { sameMachine: true, procRoot, controllers: { checkMs: 60_000, alive: () => alive } });
    const pid = fs.add(spinner());
    fs.creds.set(pid, { euid: 1000, ruid: 1000 });
    await writeWord(fsys, user, `${pid}/ctl`, 'attach');
    await writeWord(fsys, user, `${pid}/ctl`, 'wait');
    expect(fsys.controllers.of(pid)?.proc?.pid).toBe(USER_SHELL);
    expect(await code(writeWord(fsys, root, `${pid}/ctl`, 'run'))).toBe('EBUSY');
    expect(await code(writeWord(fsys, root, `${pid}/ctl`, 'detach'))).toBe('EBUSY');
    expect(await code(writeWord(fsys, caller(OTHER_USER, 1000), `${pid}/ctl`, 'attach'))).toBe('EBUSY');
    // Another process of the same user (a subshell) may go on.
    expect(await code(writeWord(fsys, caller(OTHER_USER, 1000), `${pid}/ctl`, 'step'))).toBe('ok');
    await writeWord(fsys, user, `${pid}/ctl`, 'wait');
    await writeWord(fsys, user, `${pid}/ctl`, 'run');
    expect(await fsys.controllers.check()).toBe(0);
    alive = false;
    expect(await fsys.controllers.check()).toBe(1);
    expect((await fs.read(pid, 'why')).toString()).toBe('detached\n');
    expect(fsys.controllers.of(pid)).toBeUndefined();
    expect(fs.ctlWrites.at(-1)).toBe(`${pid} detach`);
  });

  it('release every controlled target when the mount goes (a wait in flight ended first)', async () => {
    const { fs, fsys } = setup();
    const pid = fs.add(spinner());
    await writeWord(fsys, root, `${pid}/ctl`, 'attach');
    await writeWord(fsys, root, `${pid}/ctl`, 'wait');
    await writeWord(fsys, root, `${pid}/ctl`, 'run');
    const waiting = writeWord(fsys, root, `${pid}/ctl`, 'wait');
    while (!fs.ctlWrites.includes(`${pid} wait`, 2)) await new Promise((r) => setTimeout(r, 1));
    await fsys.destroy();
    expect(await code(waiting)).toBe('ok');
    expect(fs.ctlWrites.slice(-2)).toEqual([`${pid} interrupt`, `${pid} detach`]);
    expect((await fs.read(pid, 'why')).toString()).toBe('detached\n');
  });
});

describe('a wait interrupted', () => {
  it('fails with EINTR at once, leaves the target running, and a later wait joins the one in flight', async () => {
    const { fs, fsys } = setup();
    const pid = fs.add(spinner());
    await writeWord(fsys, root, `${pid}/ctl`, 'attach');
    await writeWord(fsys, root, `${pid}/ctl`, 'wait');
    await writeWord(fsys, root, `${pid}/ctl`, 'run');
    const ctl = await walk(fsys, root, `${pid}/ctl`);
    const ac = new AbortController();
    const c = caller(ROOT_SHELL, 0, ac.signal);
    const { fh } = await fsys.open(c, ctl, O_WRONLY);
    const first = fsys.write(c, ctl, fh, 0n, Buffer.from('wait\n'));
    ac.abort();
    expect(await code(first)).toBe('EINTR');
    expect((await fs.read(pid, 'why')).toString()).toBe('running\n');
    const again = writeWord(fsys, root, `${pid}/ctl`, 'wait');
    await new Promise((r) => setTimeout(r, 10));
    expect(fs.ctlWrites.filter((w) => w === `${pid} wait`).length).toBe(2); // the first attach's wait, then one
    await fs.write(pid, 'ctl', 'interrupt');
    expect(await code(again)).toBe('ok');
    expect((await fs.read(pid, 'why')).toString()).toMatch(/^stopped \d+ interrupt\n$/);
    // Already aborted: refused before anything starts.
    expect(await code(fsys.write(c, ctl, fh, 0n, Buffer.from('wait\n')))).toBe('EINTR');
    await writeWord(fsys, root, `${pid}/ctl`, 'detach');
  });
});

describe('jail scoping', () => {
  it('shows a jailed caller its own jail\'s processes only, by listing and by path', async () => {
    const { fs, fsys } = setup();
    const host = fs.add(spinner());
    const mine = fs.add(spinner());
    fs.creds.set(mine, { euid: 0, ruid: 0, jid: 4026532000 });
    const theirs = fs.add(spinner());
    fs.creds.set(theirs, { euid: 0, ruid: 0, jid: 4026532999 });
    const jailed = caller(JAILED, 0);
    const names = (await fsys.readdir(jailed, ROOT_INO, 0n)).map((e) => e.name);
    expect(names).toEqual(['.', '..', 'curproc', String(mine)]);
    expect(await readAll(fsys, jailed, `${mine}/status`)).toMatch(/^spinner /);
    for (const pid of [host, theirs]) {
      expect(await code(fsys.lookup(jailed, ROOT_INO, String(pid)))).toBe('ENOENT');
      expect(await code(fsys.getattr(jailed, inoOf({ kind: 'node', pid, spec: nodeSpec('ctl') })))).toBe('ENOENT');
      expect(await code(fsys.open(jailed, inoOf({ kind: 'node', pid, spec: nodeSpec('ctl') }), O_WRONLY))).toBe('ENOENT');
    }
    // A descriptor opened on the host and passed into the jail does not reach a host process.
    const ino = await walk(fsys, root, `${host}/status`);
    const { fh } = await fsys.open(root, ino, O_RDONLY);
    expect(await code(fsys.read(jailed, ino, fh, 0n, 100))).toBe('ESRCH');
    // The other jail sees its own.
    expect((await fsys.readdir(caller(OTHER_JAIL, 0), ROOT_INO, 0n)).map((e) => e.name)).toEqual(['.', '..', 'curproc', String(theirs)]);
    // The host sees all.
    expect((await fsys.readdir(root, ROOT_INO, 0n)).length).toBe(6);
  });

  it('shows nothing to a caller outside our pid namespace, nor to a jailed caller over a chain', async () => {
    const { fs, fsys } = setup();
    const pid = fs.add(spinner());
    const ghost = caller(0, 0);
    expect((await fsys.readdir(ghost, ROOT_INO, 0n)).map((e) => e.name)).toEqual(['.', '..']);
    expect(await code(fsys.lookup(ghost, ROOT_INO, String(pid)))).toBe('ENOENT');
    expect(await code(fsys.readlink(ghost, CURPROC_INO))).toBe('ENOENT');
    const remote = setup(false);
    const rpid = remote.fs.add(spinner());
    expect((await remote.fsys.readdir(caller(JAILED, 0), ROOT_INO, 0n)).map((e) => e.name)).toEqual(['.', '..']);
    // The host caller sees the remote processes, with no curproc (its pid means nothing there).
    expect((await remote.fsys.readdir(root, ROOT_INO, 0n)).map((e) => e.name)).toEqual(['.', '..', String(rpid)]);
    expect(await code(remote.fsys.lookup(root, ROOT_INO, 'curproc'))).toBe('ENOENT');
  });
});
