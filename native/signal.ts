/** kill(2), tgkill(2), killpg(3), getpgid(2): signals by number, errno → NativeError. */
import { errnoError, libc } from './libc.js';
import { SYS_TGKILL } from './syscall-numbers-linux-x86-64.js';

const killFn = libc.func('int kill(int pid, int sig)') as (pid: number, sig: number) => number;
const killpgFn = libc.func('int killpg(int pgrp, int sig)') as (pgrp: number, sig: number) => number;
const getpgidFn = libc.func('int getpgid(int pid)') as (pid: number) => number;
const tgkillFn = libc.func('long syscall(long nr, int tgid, int tid, int sig)') as (nr: number, tgid: number, tid: number, sig: number) => number;

export function kill(pid: number, sig: number): void {
  if (killFn(pid, sig) === -1) throw errnoError(`kill ${pid}`, undefined, pid);
}

/** One thread of a process; glibc < 2.30 has no wrapper, so through syscall(2). */
export function tgkill(tgid: number, tid: number, sig: number): void {
  if (tgkillFn(SYS_TGKILL, tgid, tid, sig) === -1) throw errnoError(`tgkill ${tgid}/${tid}`, undefined, tgid);
}

export function killpg(pgrp: number, sig: number): void {
  if (killpgFn(pgrp, sig) === -1) throw errnoError(`killpg ${pgrp}`, undefined, pgrp);
}

export function getpgid(pid: number): number {
  const r = getpgidFn(pid);
  if (r === -1) throw errnoError(`getpgid ${pid}`, undefined, pid);
  return r;
}
