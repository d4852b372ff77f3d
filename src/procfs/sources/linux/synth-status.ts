import { readFileSync } from 'node:fs';
import { fromSystemError, ProcfsError } from '../../errors.js';
import type { ProcStatus, Timeval } from '../../status.js';
import { parseLinuxCreds } from './proc-status.js';
import type { ProcReader } from './read.js';
import { parseLinuxStat, ttyDevice } from './stat.js';

/** USER_HZ: what /proc/PID/stat counts in. Fixed at 100 on every Linux x86 ABI (sysconf(_SC_CLK_TCK)). */
export const CLK_TCK = 100;

/** Seconds since the epoch at boot: `btime` of /proc/stat. */
export function bootTime(procRoot = '/proc'): number {
  const text = readFileSync(`${procRoot}/stat`, 'latin1');
  const at = text.indexOf('\nbtime ');
  if (at < 0) throw new ProcfsError('EIO', `${procRoot}/stat: no btime line`);
  return Number(text.slice(at + 7, text.indexOf('\n', at + 1)));
}

/** Credentials not read (ListWants.creds false). */
const NO_CREDS = { ruid: -1, euid: -1, rgid: -1, egid: -1, groups: [] as number[] };

function ticks(t: number): Timeval {
  return { sec: Math.floor(t / CLK_TCK), usec: (t % CLK_TCK) * (1_000_000 / CLK_TCK) };
}

/**
 * A Linux process's `status` in pdbg's dialect (freebsd5, spec §2), from /proc/PID/stat, the
 * credentials of /proc/PID/status and /proc/PID/wchan. The jail is the caller's: it needs the
 * namespace, which is cached per source. `dir` is `/proc/PID` or `/proc/PID/task/TID`.
 */
export function linuxStatus(dir: string, pid: number, r: ProcReader, btime: number, withWchan = true, withCreds = true): { status: ProcStatus; state: string } {
  let st;
  let creds = NO_CREDS;
  let wchan: string | null = null;
  try {
    const s = r.readOnce(`${dir}/stat`);
    st = parseLinuxStat(s.buf, s.len);
    if (withCreds) {
      const c = r.readOnce(`${dir}/status`);
      creds = parseLinuxCreds(c.buf.toString('latin1', 0, c.len));
    }
  } catch (err) {
    if (err instanceof Error && 'field' in err) throw err;
    throw fromSystemError(err, pid, 'status');
  }
  if (withWchan) try {
    const w = r.readOnce(`${dir}/wchan`);
    // The kernel prints "0" for a running task and for a reader it will not tell.
    if (w.len > 0 && !(w.len === 1 && w.buf[0] === 0x30)) wchan = w.buf.toString('latin1', 0, w.len);
  } catch {
    /* wchan is optional (CONFIG_KALLSYMS); nochan */
  }
  const start = ticks(st.starttime);
  start.sec += btime;
  const status: ProcStatus = {
    dialect: 'freebsd5',
    comm: st.comm,
    pid,
    ppid: st.ppid,
    pgid: st.pgrp,
    sid: st.session,
    tty: st.ttyNr === 0 ? { kind: 'none' } : { kind: 'dev', ...ttyDevice(st.ttyNr) },
    flags: { ctty: st.ttyNr !== 0, sldr: st.session === pid },
    start,
    utime: ticks(st.utime),
    stime: ticks(st.stime),
    wchan,
    euid: creds.euid,
    ruid: creds.ruid,
    rgid: creds.rgid,
    egid: creds.egid,
    groups: creds === NO_CREDS ? [] : creds.groups,
    jail: null,
  };
  return { status, state: st.state };
}
