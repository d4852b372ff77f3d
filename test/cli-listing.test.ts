import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCleanError, pdbg } from './helpers/cli.js';
import { destroyAllJails, makeJail, type Jail } from './helpers/jails.js';
import { liveOk, cliOk } from './helpers/root.js';
import { killAll, repoRoot, startTarget, type Target } from './helpers/targets.js';

type Row = Record<string, string | number | null>;

describe.skipIf(!cliOk('pdbg ps / status / jls / snapshot: bad input'))('pdbg ps / status / jls / snapshot: bad input', () => {
  let bad: string;
  beforeAll(() => {
    bad = mkdtempSync(join(tmpdir(), 'pdbg-cli-bad-'));
    mkdirSync(join(bad, 'mal'));
    mkdirSync(join(bad, 'mal', '5'));
    writeFileSync(join(bad, 'mal', '5', 'status'), 'not a status line\n');
    mkdirSync(join(bad, 'empty'));
    mkdirSync(join(bad, 'dirnode', '9', 'status'), { recursive: true });
    mkdirSync(join(bad, 'dirnode', '8'), { recursive: true });
    writeFileSync(join(bad, 'dirnode', '8', 'status'), 'sh 8 1 8 8 -1,-1 sldr 1,0 0,0 0,0 nochan 0 0 0,0 -\n');
  });
  afterAll(() => rmSync(bad, { recursive: true, force: true }));

  it.each([
    [['status', '999999999'], /no process 999999999/],
    [['status', 'abc'], /not a process id/],
    [['ps', '-o', 'pid,bogus'], /unknown field 'bogus'/],
    [['ps', '--proc-root', '/nonexistent-pdbg'], /not found/],
    [['jls', '--proc-root', '/etc'], /not a proc tree/],
    [['ps', '--proc-root', '@EMPTY'], /not a proc tree/],
    [['ps', '--proc-root', '@MAL'], /5\/status/],
    [['status', '9', '--proc-root', '@DIRNODE'], /9\/status/],
    [['status', '5', '--proc-root', '@MAL'], /5\/status: status: field/],
    [['status', '5', '--json', '--proc-root', '@MAL'], /5\/status: status: field/],
    [['snapshot', '-o', '@OUT', '999999999'], /no process 999999999/],
  ])('pdbg %j fails in one line', (args, msg) => {
    const r = pdbg(args.map((a) => a.replace('@EMPTY', join(bad, 'empty')).replace('@MAL', join(bad, 'mal')).replace('@DIRNODE', join(bad, 'dirnode')).replace('@OUT', join(bad, 'out'))));
    expect(isCleanError(r), r.stderr).toBe(true);
    expect(r.stderr).toMatch(msg);
  });
});

describe.skipIf(!liveOk('pdbg ps/status/jls live'))('pdbg ps, status, jls, snapshot on the live system', () => {
  let t: Target;
  let a: Jail;
  let b: Jail;
  let dir: string;

  beforeAll(async () => {
    t = startTarget('named-sleeper', ['cli-target']);
    await t.waitFor(/ready/);
    a = await makeJail('pdbg-cli-a', 31);
    b = await makeJail('pdbg-cli-b', 32);
    dir = mkdtempSync(join(tmpdir(), 'pdbg-cli-snap-'));
  });
  afterAll(() => {
    killAll();
    destroyAllJails();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ps --json agrees with procps for the pids both report', () => {
    const r = pdbg(['ps', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as Row[];
    const byPid = new Map(rows.map((x) => [x.pid as number, x]));
    const theirs = execFileSync('ps', ['-eo', 'pid=,ppid=,pgid=,sid=,uid='], { encoding: 'utf8' }).trim().split('\n');
    let common = 0;
    for (const line of theirs) {
      const [pid, ppid, pgid, sid, uid] = line.trim().split(/\s+/).map(Number);
      const mine = byPid.get(pid!);
      if (!mine) continue;
      common++;
      expect([mine.ppid, mine.pgid, mine.sid, mine.uid]).toEqual([ppid, pgid, sid, uid]);
    }
    expect(common).toBeGreaterThan(theirs.length * 0.9);
    expect(byPid.get(t.pid)).toMatchObject({ comm: 'cli-target', jail: '-', jid: 0 });
  });

  it('shows each jail hostname in ps, status and jls; host processes show -', () => {
    const ps = pdbg(['ps', '-o', 'pid,jid,jail,comm']);
    expect(ps.status, ps.stderr).toBe(0);
    const lines = ps.stdout.trim().split('\n');
    expect(lines[0]!.trim().split(/\s+/)).toEqual(['PID', 'JID', 'JAIL', 'COMMAND']);
    const cells = new Map(lines.slice(1).map((l) => { const c = l.trim().split(/\s+/); return [Number(c[0]), c]; }));
    for (const j of [a, b]) for (const pid of j.pids()) expect(cells.get(pid)!.slice(1, 3)).toEqual([String(j.jid), j.hostname]);
    expect(cells.get(t.pid)!.slice(1, 3)).toEqual(['0', '-']);

    const st = pdbg(['status', String(a.pids().at(-1))]);
    expect(st.status, st.stderr).toBe(0);
    expect(st.stdout.endsWith(` ${a.hostname}\n`)).toBe(true);
    expect(st.stdout.split(' ')[1]).toBe(String(a.pids().at(-1)));
    const hostLine = pdbg(['status', String(t.pid)]).stdout;
    expect(hostLine.startsWith(`cli-target ${t.pid} ${process.pid} `)).toBe(true);
    expect(hostLine.endsWith(' -\n')).toBe(true);
    const sj = JSON.parse(pdbg(['status', String(t.pid), '--json']).stdout) as Row;
    expect(sj).toMatchObject({ pid: t.pid, ppid: process.pid, comm: 'cli-target', jail: null, dialect: 'freebsd5' });

    const jls = pdbg(['jls']);
    expect(jls.status, jls.stderr).toBe(0);
    expect(jls.stdout.split('\n')[0]).toBe('   JID  IP Address      Hostname                      Path');
    for (const j of [a, b]) {
      const row = jls.stdout.split('\n').find((l) => l.trim().startsWith(`${j.jid} `));
      expect(row?.trim().split(/\s+/)).toEqual([String(j.jid), j.ip, j.hostname, '/']);
    }
    const jj = JSON.parse(pdbg(['jls', '--json']).stdout) as { jid: number; hostname: string; ips: string[]; processes: number }[];
    expect(jj.find((x) => x.jid === b.jid)).toMatchObject({ hostname: b.hostname, ips: [b.ip] });
  });

  it('ps -J selects by hostname, jid, 0 and comma lists', () => {
    const pids = (args: string[]) => (JSON.parse(pdbg(['ps', '--json', '-o', 'pid,jid', ...args]).stdout) as Row[]).map((x) => x.pid as number);
    const inA = pids(['-J', a.hostname]);
    expect(inA).toEqual(expect.arrayContaining(a.pids()));
    expect(inA.some((p) => b.pids().includes(p) || p === t.pid)).toBe(false);
    const inB = pids(['-J', String(b.jid)]);
    expect(inB).toEqual(expect.arrayContaining(b.pids()));
    const host = pids(['-J', '0']);
    expect(host).toContain(t.pid);
    expect(host.some((p) => a.pids().includes(p) || b.pids().includes(p))).toBe(false);
    expect(pids(['-J', `${a.hostname},${b.jid}`]).sort()).toEqual([...inA, ...inB].sort());
  });

  it('snapshot -o DIR writes a tree that --proc-root reads back', () => {
    const r = pdbg(['snapshot', '-o', dir, String(t.pid), ...a.pids().map(String)]);
    expect(r.status, r.stderr).toBe(0);
    // Everything but the CPU times and wchan, which a live process may change between the reads.
    const stable = (line: string) => line.split(' ').filter((_, i) => i < 8 || i > 10).join(' ');
    expect(stable(readFileSync(join(dir, String(t.pid), 'status'), 'latin1'))).toBe(stable(pdbg(['status', String(t.pid)]).stdout));
    const back = JSON.parse(pdbg(['ps', '--json', '--proc-root', dir, '-o', 'pid,jid,jail,comm']).stdout) as Row[];
    expect(back.map((x) => x.pid)).toEqual([t.pid, ...a.pids()].sort((x, y) => x - y));
    expect(back.find((x) => x.pid === a.pid)).toMatchObject({ jid: a.jid, jail: a.hostname });
    const jls = pdbg(['jls', '--proc-root', dir]).stdout;
    expect(jls).toContain(a.ip);
    expect(pdbg(['status', String(t.pid), '--proc-root', dir]).stdout.startsWith(`cli-target ${t.pid} `)).toBe(true);
  });

  it('the committed Linux capture lists its two jails', () => {
    const r = pdbg(['jls', '--json', '--proc-root', join(repoRoot, 'fixtures/proc-snapshots/linux')]);
    expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { hostname: string }[]).map((j) => j.hostname).sort()).toEqual(['db.jail.example', 'www.jail.example']);
  });
});
