import { readFileSync, readlinkSync } from 'node:fs';
import { nsInode } from './uts.js';

/**
 * The process a jail's Path is read from: its init, found the same way whoever asks. Starting
 * from any process of the jail, up the parent chain: the first one that is pid 1 of a pid
 * namespace below ours (NSpid ends in 1: what `unshare --pid --fork`, containers and
 * `pdbg --via jail:` make), else the topmost ancestor still in the jail's UTS namespace.
 *
 * Taking the first process whose root the caller could read instead gave `/` to root (the
 * jail's init) and the chroot of some user's process to that user, for one jail. Null when the
 * chain cannot be followed (a parent's namespace unreadable to the caller, a process gone):
 * the caller says "unknown" rather than show another process's root.
 */
export function jailInit(procRoot: string, member: number, jid: number | null): number | null {
  let cur = member;
  for (let hops = 0; hops < 4096; hops++) {
    const st = statusFields(procRoot, cur);
    if (!st) return null;
    if (st.nspid.length > 1 && st.nspid[st.nspid.length - 1] === 1) return cur;
    if (st.ppid === 0) return cur;
    let parentNs: number;
    try {
      parentNs = nsInode(readlinkSync(`${procRoot}/${st.ppid}/ns/uts`));
    } catch {
      return null;
    }
    if (jid === null || parentNs !== jid) return cur;
    cur = st.ppid;
  }
  return null;
}

/** /proc/PID/status is readable by everyone, so the walk is the same for every caller. */
function statusFields(procRoot: string, pid: number): { ppid: number; nspid: number[] } | null {
  let text: string;
  try {
    text = readFileSync(`${procRoot}/${pid}/status`, 'latin1');
  } catch {
    return null;
  }
  const ppid = /^PPid:\s*(\d+)$/m.exec(text);
  const nspid = /^NSpid:\s*([\d\s]+)$/m.exec(text);
  if (!ppid) return null;
  return { ppid: Number(ppid[1]), nspid: nspid ? nspid[1]!.trim().split(/\s+/).map(Number) : [pid] };
}
