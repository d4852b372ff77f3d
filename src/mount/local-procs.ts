/**
 * What the daemon learns about a FUSE caller from its own machine's /proc: the kernel gives a
 * request's thread id (in the daemon's pid namespace), and the mount needs the process behind
 * it (a controller is a process, not a thread), that process's identity over time (pid + start
 * time: a pid is reused once its process is gone), and its UTS namespace (its jail).
 *
 * These read the daemon's /proc, never the source's: over a chain the callers are still local.
 * All synchronous, small reads of /proc (never of the mount: a handler that touched the mount
 * from the daemon's only thread would deadlock it).
 */
import { readFileSync, readlinkSync } from 'node:fs';

/** One process, as it can be told from a later process with the same pid. */
export interface ProcIdentity {
  readonly pid: number;
  /** /proc/PID/stat field 22 (clock ticks after boot): fixed for the life of the process. */
  readonly start: string;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return undefined;
  }
}

/** `stat` fields after the comm (field 3, the state, is index 0); the comm may hold `)` and blanks. */
function statFields(procRoot: string, pid: number): string[] | undefined {
  const text = read(`${procRoot}/${pid}/stat`);
  if (text === undefined) return undefined;
  const close = text.lastIndexOf(')');
  return close < 0 ? undefined : text.slice(close + 2).split(' ');
}

/** The thread group (process) of thread `tid`: /proc/TID works for any thread, listed or not. */
export function tgidOf(tid: number, procRoot = '/proc'): number | undefined {
  if (tid <= 0) return undefined;
  const m = /^Tgid:\s*(\d+)/m.exec(read(`${procRoot}/${tid}/status`) ?? '');
  return m ? Number(m[1]) : undefined;
}

/** The live process `pid` is now, or undefined when there is none (or only its zombie). */
export function identify(pid: number, procRoot = '/proc'): ProcIdentity | undefined {
  const f = statFields(procRoot, pid);
  if (!f || f.length < 20) return undefined;
  if (f[0] === 'Z' || f[0] === 'X') return undefined;
  return { pid, start: f[19]! };
}

/** The process behind a request's thread id, or undefined when it is gone already. */
export function callerProcess(tid: number, procRoot = '/proc'): ProcIdentity | undefined {
  const tgid = tgidOf(tid, procRoot);
  return tgid === undefined ? undefined : identify(tgid, procRoot);
}

/** True while the very process `p` named is alive (not exited, not a zombie, pid not reused). */
export function stillAlive(p: ProcIdentity, procRoot = '/proc'): boolean {
  const now = identify(p.pid, procRoot);
  return now !== undefined && now.start === p.start;
}

/** The inode of `pid`'s UTS namespace (`uts:[N]`), or undefined when it cannot be read. */
export function utsInode(pid: number | 'self', procRoot = '/proc'): number | undefined {
  try {
    const m = /^uts:\[(\d+)\]$/.exec(readlinkSync(`${procRoot}/${pid}/ns/uts`));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The supplementary groups of the thread behind a request (the FUSE header has its fsuid and
 * fsgid only), from /proc/TID/status `Groups:`; empty when the thread is gone or its file-system
 * ids are no longer the header's (it changed them since: no groups is the safe answer, the
 * caller is then checked with fewer rights, never more).
 */
export function callerGroups(tid: number, uid: number, gid: number, procRoot = '/proc'): number[] {
  if (tid <= 0) return [];
  const text = read(`${procRoot}/${tid}/status`) ?? '';
  const fsUid = /^Uid:\s+\d+\s+\d+\s+\d+\s+(\d+)/m.exec(text)?.[1];
  const fsGid = /^Gid:\s+\d+\s+\d+\s+\d+\s+(\d+)/m.exec(text)?.[1];
  const groups = /^Groups:([ \t\d]*)$/m.exec(text)?.[1];
  if (fsUid === undefined || Number(fsUid) !== uid || fsGid === undefined || Number(fsGid) !== gid || groups === undefined) return [];
  return groups.trim().split(/\s+/).filter(Boolean).map(Number);
}
