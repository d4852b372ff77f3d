import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listProcesses } from '../src/inventory/listing.js';
import { cpuTime, parseFieldList, psJsonValue, psValue, ttyName } from '../src/inventory/ps-fields.js';
import { LinuxProcFs } from '../src/procfs/sources/linux/index.js';
import { TreeProcFs } from '../src/procfs/sources/tree.js';
import { formatStatus, type ProcStatus } from '../src/procfs/status.js';
import { liveOk } from './helpers/root.js';
import { killAll, startTarget } from './helpers/targets.js';

function fakeStatus(pid: number): ProcStatus {
  return {
    dialect: 'freebsd5', comm: Buffer.from(`p${pid % 97}`), pid, ppid: pid === 1 ? 0 : 1 + (pid % 50), pgid: pid - (pid % 10) || 1,
    sid: pid - (pid % 100) || 1, tty: pid % 3 === 0 ? { kind: 'dev', major: 136, minor: pid % 7 } : { kind: 'none' },
    flags: { ctty: pid % 3 === 0, sldr: pid % 100 === 0 }, start: { sec: 1_700_000_000 + pid, usec: 0 },
    utime: { sec: pid % 5, usec: 10_000 * (pid % 100) }, stime: { sec: 0, usec: 0 }, wchan: pid % 2 ? 'select' : null,
    euid: pid % 4 === 0 ? 0 : 1000 + (pid % 4), ruid: 1000, rgid: 1000, egid: 1000, groups: [],
    jail: pid % 5 === 0 ? `jail${pid % 3}.example` : null,
  };
}

describe('ps fields', () => {
  it('names Linux terminals by their device numbers', () => {
    expect(ttyName({ kind: 'dev', major: 136, minor: 3 })).toBe('pts/3');
    expect(ttyName({ kind: 'dev', major: 4, minor: 1 })).toBe('tty1');
    expect(ttyName({ kind: 'dev', major: 4, minor: 65 })).toBe('ttyS1');
    expect(ttyName({ kind: 'dev', major: 0, minor: 97 })).toBe('0,97');
    expect(ttyName({ kind: 'none' })).toBe('-');
    expect(ttyName({ kind: 'name', name: 'ttyv0' })).toBe('ttyv0');
  });

  it('prints TIME as FreeBSD does: minutes:seconds.hundredths of user+system', () => {
    expect(cpuTime({ sec: 61, usec: 500_000 }, { sec: 1, usec: 520_000 })).toBe('1:03.02');
    expect(cpuTime({ sec: 0, usec: 0 }, { sec: 0, usec: 0 })).toBe('0:00.00');
    expect(cpuTime({ sec: -1, usec: -1 }, { sec: -1, usec: -1 })).toBe('-');
  });

  it('accepts FreeBSD keyword aliases and names the first unknown field', () => {
    expect(parseFieldList('pid,stat,command,tt', (n) => new Error(n))).toEqual(['pid', 'state', 'args', 'tty']);
    expect(() => parseFieldList('pid,bogus,comm', (n) => new Error(`unknown ${n}`))).toThrow('unknown bogus');
    expect(() => parseFieldList(',', (n) => new Error(`empty ${n}`))).toThrow('empty');
  });
});

describe('a generated 10,000-process snapshot', () => {
  let dir: string;
  const N = 10_000;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pdbg-10k-'));
    for (let pid = 1; pid <= N; pid++) {
      mkdirSync(join(dir, String(pid)));
      writeFileSync(join(dir, String(pid), 'status'), formatStatus(fakeStatus(pid)));
      if (pid % 5 === 0) writeFileSync(join(dir, String(pid), 'jail'), `${4026532000 + (pid % 3)} jail${pid % 3}.example\n`);
      if (pid % 1000 === 0) writeFileSync(join(dir, String(pid), 'cmdline'), `prog\0--n=${pid}\0`);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists every process in pid order with the fields of its status line', async () => {
    const procs = await listProcesses(TreeProcFs.open(dir));
    expect(procs.length).toBe(N);
    for (let i = 0; i < N; i += 997) {
      const p = procs[i]!;
      const want = fakeStatus(i + 1);
      expect([p.pid, psValue(p, 'ppid'), psValue(p, 'pgid'), psValue(p, 'sid'), psValue(p, 'uid'), psValue(p, 'comm'), psValue(p, 'jail')]).toEqual(
        [i + 1, want.ppid, want.pgid, want.sid, want.euid, `p${(i + 1) % 97}`, want.jail ?? '-'],
      );
      expect(psJsonValue(p, 'start')).toBe(want.start.sec);
    }
  });

  it('reads jail ids and argv only when asked for', async () => {
    const tree = TreeProcFs.open(dir);
    const plain = await listProcesses(tree, { fields: ['pid', 'jail'] });
    expect(plain.find((p) => p.pid === 10)!.jid).toBeNull();
    expect(plain.find((p) => p.pid === 11)!.jid).toBe(0);
    expect(plain.every((p) => p.args === null)).toBe(true);
    const inJail1 = await listProcesses(tree, { fields: ['pid', 'jid', 'args'], jail: '4026532001' });
    expect(inJail1.map((p) => p.pid)).toEqual(Array.from({ length: N }, (_, i) => i + 1).filter((p) => p % 5 === 0 && p % 3 === 1));
    expect(inJail1.find((p) => p.pid === 1000)!.args).toEqual(['prog', '--n=1000']);
    const byName = await listProcesses(tree, { jail: 'jail2.example,0' });
    expect(byName.length).toBe(N - (N / 5) + Array.from({ length: N / 5 }, (_, i) => (i + 1) * 5).filter((p) => p % 3 === 2).length);
  });
});

describe.skipIf(!liveOk('live listing vs procps'))('live listing vs procps ps', () => {
  afterAll(() => killAll());

  it('agrees with ps -eo pid,ppid,pgid,sid,uid,comm on the pids both saw', async () => {
    const t = startTarget('named-sleeper', ['pdbg-listed']);
    await t.waitFor(/ready/);
    const fs = new LinuxProcFs();
    // pdbg's listing between two procps runs: a field may change while we look (a kworker
    // renames itself to the work it runs, a process calls setsid), so a value must equal what
    // procps saw before or after.
    const procps = () =>
      new Map(
        execFileSync('ps', ['-eo', 'pid=,ppid=,pgid=,sid=,uid=,comm='], { encoding: 'utf8' })
          .trim()
          .split('\n')
          .map((line) => /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s(.*)$/.exec(line)!)
          .map((m) => [Number(m[1]), { ids: [m[2], m[3], m[4], m[5]].map(Number), comm: m[6]!.trim() }] as const),
      );
    const before = procps();
    const mine = await listProcesses(fs, { fields: ['pid', 'ppid', 'pgid', 'sid', 'uid', 'comm'] });
    const after = procps();
    const byPid = new Map(mine.map((p) => [p.pid, p]));
    const theirs = [...after.keys()].filter((pid) => before.has(pid));
    let common = 0;
    for (const pid of theirs) {
      const p = byPid.get(pid);
      if (!p) continue;
      common++;
      const ids = [psValue(p, 'ppid'), psValue(p, 'pgid'), psValue(p, 'sid'), psValue(p, 'uid')];
      expect([before.get(pid)!.ids, after.get(pid)!.ids]).toContainEqual(ids);
      // procps shows unprintable bytes as '?'; compare where the name is plain.
      const comm = String(psValue(p, 'comm')).trim();
      if (/^[\x21-\x7e ]*$/.test(comm)) expect([before.get(pid)!.comm, after.get(pid)!.comm]).toContain(comm);
    }
    expect(common).toBeGreaterThan(theirs.length * 0.9);
    expect(byPid.get(t.pid) && psValue(byPid.get(t.pid)!, 'comm')).toBe('pdbg-listed');
    expect(byPid.get(process.pid)!.state).toMatch(/^[RS]$/);
    await fs.close();
  });
});
