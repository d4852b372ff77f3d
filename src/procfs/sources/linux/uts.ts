import { closeSync, openSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { fromSystemError, ProcfsError } from '../../errors.js';
import { fromNative } from './native-error.js';

/**
 * A process's jail on Linux is its UTS namespace (spec §7): the jid is the namespace inode,
 * 0 for the host (FreeBSD's jid of the host), and the hostname is read inside the namespace.
 */
export interface UtsJail {
  /** Namespace inode; 0 = the host's namespace; null = the namespace link is unreadable. */
  jid: number | null;
  /** Null for the host; the jail's hostname; `?INODE` when it cannot be entered; `?` when unknown. */
  hostname: string | null;
}

type HostnameReader = (nsPath: string, pid: number) => string;
let enterAndRead: HostnameReader | undefined;

/** Loads native/ns.ts (and so koffi) once, only when a process really lives in another namespace. */
async function loadNamespaces(): Promise<HostnameReader> {
  if (enterAndRead) return enterAndRead;
  const { utsHostname } = await import('../../../../native/ns.js');
  return (enterAndRead = (nsPath, pid) => {
    let fd: number;
    try {
      fd = openSync(nsPath, 'r');
    } catch (err) {
      throw fromSystemError(err, pid, 'jail');
    }
    try {
      return utsHostname(fd, nsPath, pid);
    } catch (e) {
      throw fromNative(e);
    } finally {
      closeSync(fd);
    }
  });
}

export function nsInode(link: string): number {
  // "uts:[4026531838]"
  return Number(link.slice(link.indexOf('[') + 1, -1));
}

/**
 * Resolves UTS namespaces to jails with one setns pair per namespace, cached for the life of
 * the source. The host is the namespace of pid 1; where pid 1 is unreadable (a VM init holding
 * more capabilities than root, as under Firecracker) kthreadd's, which the kernel always keeps
 * in the initial namespaces.
 */
export class UtsResolver {
  private readonly names = new Map<number, string>();
  private host: number | null | undefined;

  constructor(private readonly procRoot = '/proc') {}

  hostInode(): number | null {
    if (this.host !== undefined) return this.host;
    this.host = null;
    for (const pid of ['1', '2', 'self']) {
      try {
        if (pid === '2' && !readFileSync(`${this.procRoot}/2/stat`, 'latin1').includes('(kthreadd)')) continue;
        this.host = nsInode(readlinkSync(`${this.procRoot}/${pid}/ns/uts`));
        break;
      } catch {
        /* try the next witness */
      }
    }
    return this.host;
  }

  /** The namespace inode of `pid`, null when the link is unreadable; ESRCH when the process is gone. */
  inodeOf(pid: number): number | null {
    try {
      return nsInode(readlinkSync(`${this.procRoot}/${pid}/ns/uts`));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ESRCH') return this.withoutNamespaces(pid);
      return null;
    }
  }

  /**
   * A task that has exited keeps its /proc entry until reaped but drops its namespaces
   * (exit_task_namespaces), so its ns links read ENOENT. A leader gone before its threads still
   * has them through a live thread; a zombie has nothing to tell: null, "unknown", as the
   * process still exists (ps shows it `Z`). Only a missing stat means the process is gone.
   */
  private withoutNamespaces(pid: number): number | null {
    let tids: string[] = [];
    try {
      tids = readdirSync(`${this.procRoot}/${pid}/task`);
    } catch {
      /* gone: decided below */
    }
    for (const tid of tids) {
      if (tid === String(pid)) continue;
      try {
        return nsInode(readlinkSync(`${this.procRoot}/${pid}/task/${tid}/ns/uts`));
      } catch {
        /* that thread has exited too */
      }
    }
    try {
      readFileSync(`${this.procRoot}/${pid}/stat`, 'latin1');
      return null;
    } catch {
      throw new ProcfsError('ESRCH', `no process ${pid}`, pid, 'jail');
    }
  }

  /** The jail of an inode as far as known without entering it: undefined hostname = not yet read. */
  known(inode: number | null): { jid: number | null; hostname: string | null | undefined } {
    if (inode === null) return { jid: null, hostname: '?' };
    if (inode === this.hostInode()) return { jid: 0, hostname: null };
    return { jid: inode, hostname: this.names.get(inode) };
  }

  /** Enters the namespace through `pid` (once per inode) and returns its hostname. */
  async hostname(inode: number, pid: number): Promise<string> {
    const cached = this.names.get(inode);
    if (cached !== undefined) return cached;
    let name: string;
    try {
      const read = await loadNamespaces();
      name = read(`${this.procRoot}/${pid}/ns/uts`, pid);
    } catch (err) {
      if (err instanceof ProcfsError && err.code === 'ESRCH') throw err;
      // No privilege to enter (or no koffi): say so with the namespace id, never guess.
      name = `?${inode}`;
    }
    this.names.set(inode, name);
    return name;
  }

  async jailOf(pid: number): Promise<UtsJail> {
    const inode = this.inodeOf(pid);
    const k = this.known(inode);
    if (k.hostname !== undefined) return { jid: k.jid, hostname: k.hostname };
    return { jid: inode, hostname: await this.hostname(inode!, pid) };
  }
}
