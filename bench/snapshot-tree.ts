import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcStatus } from '../src/procfs/status.js';

/**
 * A generated BSD-layout tree (ROOT/PID/status, ROOT/PID/cmdline) of `count` processes: a host
 * plus a few jails, each a small forest of sessions and process groups, with the status lines
 * written by pdbg's own formatter in its FreeBSD 5–7 dialect. Deterministic, so every run lists
 * the same thing.
 */
export const JAIL_HOSTNAMES: readonly (string | null)[] = [null, 'www.example.org', 'db.example.org', 'build-3', 'mail'];

export function syntheticStatuses(count: number): ProcStatus[] {
  const out: ProcStatus[] = [];
  const comms = ['sh', 'sleep', 'httpd', 'postgres', 'cron', 'sshd', 'make', 'cc1', 'master', 'qmgr', 'my prog'];
  let pid = 1;
  let sid = 1;
  let pgid = 1;
  for (let i = 0; i < count; i++, pid++) {
    // Each jail takes an equal slice of pids; a new session every 50 processes, a group every 10.
    const jail = JAIL_HOSTNAMES[Math.floor((i * JAIL_HOSTNAMES.length) / count)] ?? null;
    if (i % 50 === 0) sid = pid;
    if (i % 10 === 0) pgid = pid;
    const comm = comms[i % comms.length]!;
    out.push({
      dialect: 'freebsd5',
      comm: Buffer.from(comm, 'latin1'),
      pid,
      ppid: pid === sid ? 1 : sid,
      pgid,
      sid,
      tty: i % 7 === 0 ? { kind: 'dev', major: 136, minor: i % 5 } : { kind: 'none' },
      flags: { ctty: i % 7 === 0, sldr: pid === sid },
      start: { sec: 1714070000 + i, usec: (i * 7919) % 1_000_000 },
      utime: { sec: i % 3, usec: (i * 31) % 1_000_000 },
      stime: { sec: 0, usec: (i * 17) % 1_000_000 },
      wchan: i % 4 === 0 ? null : ['nanslp', 'select', 'pause'][i % 3]!,
      euid: i % 5 === 0 ? 0 : 1000 + (i % 3),
      ruid: i % 5 === 0 ? 0 : 1000 + (i % 3),
      rgid: 100,
      egid: 100,
      groups: i % 2 ? [100, 20] : [100],
      jail,
    });
  }
  return out;
}

/** Writes the tree; `format` is pdbg's formatStatus (passed in: the bench loads layers lazily). */
export function writeTree(root: string, statuses: readonly ProcStatus[], format: (s: ProcStatus) => string): void {
  for (const s of statuses) {
    const dir = join(root, String(s.pid));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'status'), format(s));
    writeFileSync(join(dir, 'cmdline'), `${Buffer.from(s.comm).toString('latin1')}\0-x\0`);
  }
}
