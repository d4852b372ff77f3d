import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jailMatcher, listJails, parseJailNode, formatJailNode } from '../src/inventory/jails.js';
import { listProcesses } from '../src/inventory/listing.js';
import { snapshot } from '../src/inventory/snapshot.js';
import { LinuxProcFs } from '../src/procfs/sources/linux/index.js';
import { TreeProcFs } from '../src/procfs/sources/tree.js';
import { jailText, parseStatusBytes } from '../src/procfs/status.js';
import { destroyAllJails, makeJail, nsInode, type Jail } from './helpers/jails.js';
import { liveOk } from './helpers/root.js';

describe('jail node and -J matching', () => {
  it('round-trips JID HOSTNAME, with - for the host and unknown ids', () => {
    for (const j of [{ jid: 0, hostname: null }, { jid: 4026532301, hostname: 'www.example' }, { jid: null, hostname: '?' }]) {
      expect(parseJailNode(formatJailNode(j))).toEqual(j);
    }
    expect(() => parseJailNode('abc')).toThrow(/JID HOSTNAME/);
    expect(() => parseJailNode('x1 host')).toThrow(/bad jid/);
  });

  it('selects like FreeBSD ps -J: 0 is the host, numbers are jids, words are hostnames, commas list', () => {
    const m = jailMatcher('0,web,4026532999');
    expect(m(0, null)).toBe(true);
    expect(m(4026532000, 'web')).toBe(true);
    expect(m(4026532999, 'db')).toBe(true);
    expect(m(4026532000, 'db')).toBe(false);
    expect(jailMatcher('db')(0, null)).toBe(false);
  });
});

describe.skipIf(!liveOk('real jails'))('real jails (unshare --uts --pid --net --mount)', () => {
  let a: Jail;
  let b: Jail;
  let fs: LinuxProcFs;
  let dir: string;

  beforeAll(async () => {
    a = await makeJail('pdbg-jail-a', 21);
    b = await makeJail('pdbg-jail-b', 22);
    fs = new LinuxProcFs();
    dir = mkdtempSync(join(tmpdir(), 'pdbg-jails-'));
  });
  afterAll(async () => {
    destroyAllJails();
    await fs?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("puts the jail's own hostname (read by entering its namespace) in every jailed status line", async () => {
    for (const j of [a, b]) {
      for (const pid of j.pids()) {
        const s = parseStatusBytes(await fs.read(pid, 'status'));
        expect(jailText(s)).toBe(j.hostname);
        expect((await fs.read(pid, 'jail')).toString()).toBe(`${j.jid} ${j.hostname}\n`);
      }
    }
    const host = parseStatusBytes(await fs.read(process.pid, 'status'));
    expect(host.jail).toBeNull();
    expect((await fs.read(process.pid, 'jail')).toString()).toBe('0 -\n');
  });

  it('lists each jail once with its jid, address, root path and every process', async () => {
    const jails = await listJails(fs);
    for (const j of [a, b]) {
      const found = jails.find((x) => x.jid === j.jid);
      expect(found).toBeDefined();
      expect(found!.hostname).toBe(j.hostname);
      expect(found!.ips).toContain(j.ip);
      expect(found!.ips).not.toContain('127.0.0.1');
      expect(found!.path).toBe('/');
      expect(found!.pids).toEqual(expect.arrayContaining(j.pids()));
    }
    expect(jails.some((x) => x.pids.includes(process.pid))).toBe(false);
  });

  it('filters listings by hostname, jid, 0 (the host) and comma lists', async () => {
    // `unshare` itself entered the new UTS namespace before forking init: it is in the jail too.
    const members = (j: Jail) => (pids: number[]) => {
      expect(pids).toEqual(expect.arrayContaining(j.pids()));
      for (const pid of pids) expect(nsInode(pid, 'uts')).toBe(j.jid);
    };
    const byName = await listProcesses(fs, { jail: a.hostname });
    members(a)(byName.map((p) => p.pid));
    const byId = await listProcesses(fs, { jail: String(b.jid), fields: ['pid', 'jid'] });
    members(b)(byId.map((p) => p.pid));
    expect(byId.every((p) => p.jid === b.jid)).toBe(true);
    const host = await listProcesses(fs, { jail: '0' });
    expect(host.some((p) => p.pid === process.pid)).toBe(true);
    expect(host.some((p) => a.pids().includes(p.pid) || b.pids().includes(p.pid))).toBe(false);
    const both = await listProcesses(fs, { jail: `${a.hostname},${b.jid}` });
    expect(both.map((p) => p.pid).sort()).toEqual([...byName, ...byId].map((p) => p.pid).sort());
  });

  it('keeps jail ids, hostnames and addresses through a snapshot', async () => {
    const r = await snapshot(fs, dir, [process.pid, ...a.pids(), ...b.pids()]);
    expect(r.jails.map((j) => j.hostname).sort()).toEqual([a.hostname, b.hostname]);
    const tree = TreeProcFs.open(dir);
    const jails = await listJails(tree);
    expect(jails.map((j) => [j.jid, j.hostname, j.ips.includes(j.hostname === a.hostname ? a.ip : b.ip)])).toEqual(
      [[a.jid, a.hostname, true], [b.jid, b.hostname, true]].sort((x, y) => (x[0] as number) - (y[0] as number)),
    );
    const inB = await listProcesses(tree, { jail: String(b.jid) });
    expect(inB.map((p) => p.pid).sort()).toEqual(b.pids().sort());
    expect((await listProcesses(tree, { jail: '0' })).map((p) => p.pid)).toEqual([process.pid]);
  });
});
