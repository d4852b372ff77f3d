import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { killPid, reap, track } from './reaper.js';

/**
 * Real jails for tests: `unshare --uts --pid --net --mount --fork` with a hostname of their own
 * and an address on the jail's loopback (TEST-NET-1, 192.0.2.0/24, so nothing is ever routed).
 * `destroy()` kills the jail's init, which ends every process of its pid namespace.
 */
export interface Jail {
  readonly hostname: string;
  /** The jail's init (the `sh` unshare forked), as the host sees it. */
  readonly pid: number;
  /** The jail id pdbg reports: the UTS namespace inode. */
  readonly jid: number;
  readonly ip: string;
  /** Host pids of every process in the jail, init first. */
  pids(): number[];
  destroy(): void;
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function nsInode(pid: number, ns: string): number {
  return Number(/\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/${ns}`))![1]);
}

/**
 * Makes a jail whose init runs `inner` (default: two sleepers, so the jail has several
 * processes). Resolves once the hostname is set and the processes are up.
 */
export async function makeJail(hostname: string, ipLastOctet: number, inner = 'sleep 100000 & sleep 100000 & wait', opts: { mountProc?: boolean } = {}): Promise<Jail> {
  const ip = `192.0.2.${ipLastOctet}`;
  const script = `hostname ${hostname} && ip link set lo up && ip addr add ${ip}/32 dev lo && echo ready && ${inner}`;
  // --mount-proc: the jail's mount namespace gets its own /proc, as a container's has.
  const u = spawn('unshare', ['--uts', '--pid', '--net', '--mount', '--fork', ...(opts.mountProc ? ['--mount-proc'] : []), '--kill-child', 'sh', '-c', script], {
    // stderr kept for the error below rather than printed: the jail's shell reports its killed jobs there.
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  u.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const untrack = track('jail', () => killJail(u));
  u.on('exit', () => untrack());
  await new Promise<void>((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error(`jail ${hostname}: not ready after 10 s${err ? `: ${err.trim()}` : ''}`)), 10_000);
    u.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) {
        clearTimeout(timer);
        res();
      }
    });
    u.on('exit', (code) => rej(new Error(`jail ${hostname}: unshare exited ${code}${err ? `: ${err.trim()}` : ''}`)));
  });
  const init = childrenOf(u.pid!)[0];
  if (!init) throw new Error(`jail ${hostname}: no init under unshare ${u.pid}`);
  // Wait until the sleepers exist so process counts are stable.
  for (let i = 0; i < 200 && childrenOf(init).length === 0 && inner.includes('&'); i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  const all = (): number[] => {
    const out = [init];
    for (let i = 0; i < out.length; i++) out.push(...childrenOf(out[i]!));
    return out;
  };
  return {
    hostname,
    pid: init,
    jid: nsInode(init, 'uts'),
    ip,
    pids: all,
    destroy() {
      try {
        process.kill(init, 'SIGKILL');
      } catch {
        /* gone */
      }
      try {
        u.kill('SIGKILL');
      } catch {
        /* gone */
      }
    },
  };
}

/** Ends every jail still alive (the reaper's 'jail' kind): its processes, then unshare. */
export function destroyAllJails(): void {
  reap('jail');
}

function killJail(u: ChildProcess): void {
  for (const c of childrenOf(u.pid!)) killPid(c);
  u.kill('SIGKILL');
}
