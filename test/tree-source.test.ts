import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listProcesses } from '../src/inventory/listing.js';
import { snapshot } from '../src/inventory/snapshot.js';
import { LinuxProcFs } from '../src/procfs/sources/linux/index.js';
import { openProcFs } from '../src/procfs/sources/open.js';
import { TreeProcFs } from '../src/procfs/sources/tree.js';
import { parseStatusBytes } from '../src/procfs/status.js';
import { liveOk } from './helpers/root.js';
import { sourceContract } from './helpers/source-contract.js';
import { killAll, repoRoot, startTarget, type Target } from './helpers/targets.js';

const freebsd = join(repoRoot, 'fixtures/proc-snapshots/freebsd');
const linuxFixture = join(repoRoot, 'fixtures/proc-snapshots/linux');

describe('choosing a source from --proc-root', () => {
  let empty: string;
  beforeAll(() => {
    empty = mkdtempSync(join(tmpdir(), 'pdbg-notree-'));
    mkdirSync(join(empty, '12'));
    mkdirSync(join(empty, 'abc'));
  });
  afterAll(() => rmSync(empty, { recursive: true, force: true }));

  it('is live for no root and for /proc, a tree for a directory of PID/status', async () => {
    expect(await openProcFs()).toBeInstanceOf(LinuxProcFs);
    expect(await openProcFs('/proc')).toBeInstanceOf(LinuxProcFs);
    if (existsSync(freebsd)) expect(await openProcFs(freebsd)).toBeInstanceOf(TreeProcFs);
  });

  it('refuses a directory that is not a proc tree, or no directory at all, in one line', async () => {
    await expect(openProcFs(empty)).rejects.toThrow(/not a proc tree/);
    await expect(openProcFs(join(empty, 'nope'))).rejects.toMatchObject({ code: 'ESRCH' });
    await expect(openProcFs('/etc/hostname')).rejects.toMatchObject({ code: 'ENOTDIR' });
  });
});

describe('a process directory that is a symbolic link', () => {
  const line = (pid: number) => `sh ${pid} 1 ${pid} ${pid} -1,-1 sldr 1,0 0,0 0,0 nochan 0 0 0,0 -\n`;
  let base: string;
  let tree: string;
  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'pdbg-linked-pid-'));
    tree = join(base, 'tree');
    mkdirSync(join(tree, '8'), { recursive: true });
    writeFileSync(join(tree, '8', 'status'), line(8));
    // Process 30 lives outside the tree, with a thread directory the tree links to as well.
    mkdirSync(join(base, 'outside', '30', 'task', '31'), { recursive: true });
    writeFileSync(join(base, 'outside', '30', 'status'), line(30));
    writeFileSync(join(base, 'outside', '30', 'task', '31', 'status'), line(30));
    symlinkSync(join(base, 'outside', '30'), join(tree, '30'));
    mkdirSync(join(tree, '8', 'task'));
    symlinkSync(join(base, 'outside', '30', 'task', '31'), join(tree, '8', 'task', '9'));
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('is refused for every node and thread, in one line naming it, and listed as a bad entry', async () => {
    const fs = TreeProcFs.open(tree);
    const refused = { code: 'ELOOP', message: `${tree}/30: a symbolic link, not a process directory; refused` };
    await expect(fs.read(30, 'status')).rejects.toMatchObject(refused);
    await expect(fs.threads(30)).rejects.toMatchObject(refused);
    await expect(fs.read(8, 'status', { tid: 9 })).rejects.toMatchObject({ code: 'ELOOP', message: `${tree}/8/task/9: a symbolic link, not a process directory; refused` });
    expect((await fs.read(8, 'status')).toString()).toBe(line(8));
    const errs: string[] = [];
    const procs = await listProcesses(fs, { onError: (e, pid) => errs.push(`${pid} ${e.message}`) });
    expect(procs.map((p) => p.pid)).toEqual([8]);
    expect(errs).toEqual([`30 ${refused.message}`]);
  });

  it('does not make a tree of links alone', () => {
    const only = join(base, 'only-links');
    mkdirSync(only);
    symlinkSync(join(base, 'outside', '30'), join(only, '30'));
    expect(() => TreeProcFs.open(only)).toThrow(/not a proc tree/);
  });
});

describe.skipIf(!existsSync(freebsd) && (process.stderr.write(`SKIP FreeBSD fixture contract: ${freebsd} does not exist yet\n`), true))(
  'contract: the FreeBSD fixture tree',
  () => {
    const fs = TreeProcFs.open(freebsd);
    sourceContract(() => fs, { writable: false, somePid: () => 602 });

    it('has no jail node, so jailed processes have no jid but keep their hostname', async () => {
      const procs = await listProcesses(fs, { fields: ['pid', 'jid', 'jail'] });
      const jailed = procs.filter((p) => p.status.jail !== null);
      expect(jailed.length).toBeGreaterThan(0);
      expect(jailed.every((p) => p.jid === null)).toBe(true);
      expect(procs.filter((p) => p.status.jail === null).every((p) => p.jid === 0)).toBe(true);
      await expect(fs.read(602, 'jail')).rejects.toMatchObject({ code: 'ENOENT' });
    });
  },
);

describe.skipIf(!liveOk('snapshot round trip'))('contract: a snapshot made here', () => {
  let dir: string;
  let t: Target;
  let tree: TreeProcFs;
  const live = new LinuxProcFs();

  beforeAll(async () => {
    t = startTarget('named-sleeper', ['snap me']);
    await t.waitFor(/ready/);
    dir = mkdtempSync(join(tmpdir(), 'pdbg-snap-'));
    await snapshot(live, dir, [process.pid, t.pid, 2]);
    tree = TreeProcFs.open(dir);
  });
  afterAll(async () => {
    killAll();
    await live.close();
    rmSync(dir, { recursive: true, force: true });
  });

  sourceContract(() => tree, { writable: false, somePid: () => t.pid });

  it('keeps the status line, argv, executable link and jail node of the live process', async () => {
    expect(await tree.pids()).toEqual([2, process.pid, t.pid].sort((a, b) => a - b));
    const s = parseStatusBytes(await tree.read(t.pid, 'status'));
    const l = parseStatusBytes(await live.read(t.pid, 'status'));
    expect({ ...s, utime: 0, stime: 0, wchan: 0 }).toEqual({ ...l, utime: 0, stime: 0, wchan: 0 });
    expect(await tree.read(t.pid, 'cmdline')).toEqual(await live.read(t.pid, 'cmdline'));
    expect(lstatSync(join(dir, String(t.pid), 'file')).isSymbolicLink()).toBe(true);
    expect((await tree.read(t.pid, 'file')).toString()).toBe((await live.read(t.pid, 'file')).toString());
    expect((await tree.read(t.pid, 'jail')).toString()).toBe('0 -\n');
    // A kernel thread has no executable: the snapshot skips that node instead of failing.
    expect(existsSync(join(dir, '2', 'file'))).toBe(false);
    expect(JSON.parse(readFileSync(join(dir, 'jails.json'), 'utf8'))).toEqual([]);
  });

  it('refuses an explicit pid that does not exist', async () => {
    await expect(snapshot(live, join(dir, 'x'), [t.pid + 1_000_000])).rejects.toMatchObject({ code: 'ESRCH' });
  });

  it('names the process and the field of a malformed status line', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'pdbg-bad-'));
    try {
      mkdirSync(join(bad, '7'));
      writeFileSync(join(bad, '7', 'status'), 'garbage here\n');
      const err = await listProcesses(TreeProcFs.open(bad)).catch((e: unknown) => e as Error);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/\/7\/status/);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!existsSync(linuxFixture))('the committed Linux capture', () => {
  it('reads back with its jails', async () => {
    const fs = TreeProcFs.open(linuxFixture);
    const jails = JSON.parse(readFileSync(join(linuxFixture, 'jails.json'), 'utf8')) as { jid: number; hostname: string }[];
    expect(jails.length).toBeGreaterThanOrEqual(2);
    for (const j of jails) {
      const inJail = await listProcesses(fs, { jail: String(j.jid), fields: ['pid', 'jid', 'jail'] });
      expect(inJail.length).toBeGreaterThan(0);
      expect(inJail.every((p) => p.jid === j.jid)).toBe(true);
    }
  });
});
