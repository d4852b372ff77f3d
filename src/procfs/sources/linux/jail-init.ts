import { readFileSync, readlinkSync } from 'node:fs';
import { nsInode } from './uts.js';

/**
 * The process a jail's Path is read from: its init, the same process whoever asks. From any
 * process of the jail, up the parent chain to the topmost one still in the jail's UTS
 * namespace: the process that made the jail (`unshare`, a container runtime's init, a jail's
 * `sh`). Every caller's walk ends there or fails on the way, so two users never get two paths.
 * (Stopping at a pid namespace's pid 1 would not do: root, who lists `unshare` itself as a
 * member, would start above it and another caller below it.)
 *
 * Taking the first process whose root the caller could read instead gave `/` to root (the
 * jail's init) and the chroot of some user's own process to that user, for one jail. Null when
 * the chain cannot be followed (a parent's namespace unreadable to the caller, a process gone):
 * the caller says "unknown" rather than show another process's root.
 */
export function jailInit(procRoot: string, member: number, jid: number | null): number | null {
  let cur = member;
  for (let hops = 0; hops < 4096; hops++) {
    const st = statusFields(procRoot, cur);
    if (!st) return null;
    // Pid 1's namespace is the host by definition (uts.ts), and a VM's init may be unreadable
    // even to root: a process reparented to it is at the top of its jail.
    if (st.ppid <= 1) return cur;
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

/** PPid of /proc/PID/status, which everyone may read. */
function statusFields(procRoot: string, pid: number): { ppid: number } | null {
  let text: string;
  try {
    text = readFileSync(`${procRoot}/${pid}/status`, 'latin1');
  } catch {
    return null;
  }
  const ppid = /^PPid:\s*(\d+)$/m.exec(text);
  return ppid ? { ppid: Number(ppid[1]) } : null;
}
