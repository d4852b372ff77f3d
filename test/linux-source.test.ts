import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStatusBytes } from '../src/procfs/status.js';
import { LinuxProcFs } from '../src/procfs/sources/linux/index.js';
import { formatIpv6 } from '../src/procfs/sources/linux/netns.js';
import { parseLinuxCreds } from '../src/procfs/sources/linux/proc-status.js';
import { parseLinuxStat, ttyDevice } from '../src/procfs/sources/linux/stat.js';
import { liveOk } from './helpers/root.js';
import { sourceContract } from './helpers/source-contract.js';
import { killAll, startTarget, type Target } from './helpers/targets.js';

describe('linux /proc parsers', () => {
  it('reads comm up to the LAST paren, so a comm holding ") " does not shift the fields', () => {
    const line = Buffer.from('4242 (a) (b c) S 17 4242 4242 34817 -1 4194560 1 0 0 0 250 37 0 0 20 0 1 0 12345 0 0\n');
    const st = parseLinuxStat(line, line.length);
    expect(Buffer.from(st.comm).toString()).toBe('a) (b c');
    expect(st).toMatchObject({ state: 'S', ppid: 17, pgrp: 4242, session: 4242, ttyNr: 34817, utime: 250, stime: 37, starttime: 12345 });
  });

  it('copies comm out of the reused buffer', () => {
    const buf = Buffer.from('1 (init) S 0 1 1 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 9 0 0\n');
    const st = parseLinuxStat(buf, buf.length);
    buf.fill(0x78);
    expect(Buffer.from(st.comm).toString()).toBe('init');
  });

  it('parses this very process the way proc(5) lays it out', () => {
    const buf = readFileSync(`/proc/${process.pid}/stat`);
    const st = parseLinuxStat(buf, buf.length);
    expect(st.ppid).toBe(process.ppid);
    expect(Buffer.from(st.comm).toString()).toBe(readFileSync(`/proc/${process.pid}/comm`, 'utf8').trim());
  });

  it('splits tty numbers as the kernel encodes them (pts/1 = 136,1; ttyS0 = 4,64)', () => {
    expect(ttyDevice(34817)).toEqual({ major: 136, minor: 1 });
    expect(ttyDevice(1088)).toEqual({ major: 4, minor: 64 });
    expect(ttyDevice((136 << 8) | (0x3 << 20) | 0x05)).toEqual({ major: 136, minor: 0x305 });
  });

  it('reads real/effective ids and supplementary groups from status', () => {
    const c = parseLinuxCreds('Name:\tx\nUid:\t1000\t0\t0\t0\nGid:\t100\t50\t50\t50\nFDSize:\t64\nGroups:\t4 24 27 \nNStgid:\t1\n');
    expect(c).toEqual({ ruid: 1000, euid: 0, rgid: 100, egid: 50, groups: [4, 24, 27] });
    expect(parseLinuxCreds('Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t \n'.replace(/^/, '\n')).groups).toEqual([]);
    expect(() => parseLinuxCreds('Name:\tx\n')).toThrow(/Uid/);
  });

  it('writes IPv6 addresses in RFC 5952 form', () => {
    expect(formatIpv6('00000000000000000000000000000001')).toBe('::1');
    expect(formatIpv6('20010db8000000000000000000000005')).toBe('2001:db8::5');
    expect(formatIpv6('fd000000000000000000000000000002')).toBe('fd00::2');
    expect(formatIpv6('20010db8000100000001000000000001')).toBe('2001:db8:1:0:1::1');
    expect(formatIpv6('20010db8aaaabbbbccccddddeeeeffff')).toBe('2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff');
  });
});

describe.skipIf(!liveOk('live linux source'))('live linux source', () => {
  let fs: LinuxProcFs;
  let t: Target;
  const name = 'pd (x) y';

  beforeAll(async () => {
    fs = new LinuxProcFs();
    t = startTarget('named-sleeper', [name]);
    await t.waitFor(/ready/);
  });
  afterAll(async () => {
    killAll();
    await fs?.close();
  });

  sourceContract(() => fs, { writable: true, somePid: () => t.pid });

  it('synthesizes the FreeBSD 5 status line: escaped comm, ids, no tty, credentials, host jail', async () => {
    const line = (await fs.read(t.pid, 'status')).toString('latin1');
    expect(line.startsWith('pd\\040(x)\\040y ')).toBe(true);
    const s = parseStatusBytes(Buffer.from(line, 'latin1'));
    expect(s.dialect).toBe('freebsd5');
    expect(Buffer.from(s.comm).toString()).toBe(name);
    expect(s).toMatchObject({ pid: t.pid, ppid: process.pid, euid: process.geteuid!(), ruid: process.getuid!(), rgid: process.getgid!(), egid: process.getegid!() });
    const ps = execFileSync('ps', ['-o', 'pgid=,sid=,tty=', '-p', String(t.pid)], { encoding: 'utf8' }).trim().split(/\s+/);
    expect([s.pgid, s.sid]).toEqual([Number(ps[0]), Number(ps[1])]);
    expect(s.flags.sldr).toBe(s.sid === t.pid);
    expect(s.tty.kind === 'none').toBe(ps[2] === '?');
    expect(s.jail).toBeNull();
    expect(line.endsWith(' -\n')).toBe(true);
  });

  it('takes wchan from /proc/PID/wchan and the start time from boot time + starttime', async () => {
    const s = parseStatusBytes(await fs.read(t.pid, 'status'));
    const kernel = readFileSync(`/proc/${t.pid}/wchan`, 'utf8');
    expect(s.wchan).toBe(kernel === '0' ? null : kernel);
    const lstart = execFileSync('ps', ['-o', 'lstart=', '-p', String(t.pid)], { encoding: 'utf8' }).trim();
    expect(Math.abs(s.start.sec - Date.parse(lstart) / 1000)).toBeLessThanOrEqual(1);
    expect(s.utime.usec % 10_000).toBe(0);
  });

  it('serves cmdline, file and etype of a real process', async () => {
    expect((await fs.read(t.pid, 'cmdline')).toString()).toBe(`${readlinkSync(`/proc/${t.pid}/exe`)}\0${name}\0`);
    expect((await fs.read(t.pid, 'file')).toString()).toBe(readlinkSync(`/proc/${t.pid}/exe`));
    expect((await fs.read(t.pid, 'etype')).toString()).toBe('Linux ELF64\n');
    expect((await fs.read(t.pid, 'jail')).toString()).toBe('0 -\n');
  });

  it('serves map as FreeBSD map lines covering the executable', async () => {
    const { parseMap } = await import('../src/procfs/map.js');
    const entries = parseMap((await fs.read(t.pid, 'map')).toString('latin1'));
    const exe = readlinkSync(`/proc/${t.pid}/exe`);
    expect(entries.length).toBe(readFileSync(`/proc/${t.pid}/maps`, 'utf8').trim().split('\n').length);
    expect(entries.some((e) => e.path === exe)).toBe(true);
  });

  it('serves a thread status under the task id and lists threads', async () => {
    expect(await fs.threads(t.pid)).toEqual([t.pid]);
    const s = parseStatusBytes(await fs.read(t.pid, 'status', { tid: t.pid }));
    expect(s.pid).toBe(t.pid);
  });

  it('says ESRCH once the process is gone, and no executable for a kernel thread', async () => {
    const gone = startTarget('named-sleeper', ['short']);
    await gone.waitFor(/ready/);
    gone.kill();
    await gone.exited();
    await expect(fs.read(gone.pid, 'status')).rejects.toMatchObject({ code: 'ESRCH' });
    await expect(fs.read(2, 'file')).rejects.toMatchObject({ code: 'ENOENT', message: expect.stringMatching(/kernel thread/) });
  });
});
