/**
 * `pdbg snapshot`: copies processes' text nodes into a BSD-layout tree (DIR/PID/status, …)
 * that TreeProcFs (`--proc-root DIR`) reads back. `file` is written as a symlink, as BSD's is;
 * `jail` keeps the jail ids; DIR/jails.json keeps what jls shows beyond the nodes (IPs, path).
 */
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProcfsError } from './errors.js';
import { listJails } from './jail.js';
import type { NodeName } from './node.js';
import type { ProcFs } from './source.js';
import { JAILS_FILE, type RecordedJail } from './sources/tree.js';

/** The nodes a snapshot keeps: everything readable that does not need a stopped target. */
export const SNAPSHOT_NODES: readonly NodeName[] = ['status', 'cmdline', 'map', 'etype', 'jail', 'file'];

export interface SnapshotResult {
  root: string;
  /** Processes written, ascending. */
  pids: number[];
  /** Nodes that could not be read (a kernel thread has no `file`; pid 1's `map` may be closed). */
  skipped: { pid: number; node: NodeName; code: string }[];
  jails: RecordedJail[];
}

/**
 * Writes `pids` (default: every process) of `fs` under `dir`. An explicit pid that does not
 * exist is an error (ESRCH); processes that exit during a whole-system snapshot are left out.
 */
export async function snapshot(fs: ProcFs, dir: string, pids?: readonly number[]): Promise<SnapshotResult> {
  const explicit = pids !== undefined;
  if (explicit) {
    const present = new Set(await fs.pids());
    for (const pid of pids) {
      if (!present.has(pid)) throw new ProcfsError('ESRCH', `no process ${pid}`, pid, 'status');
    }
  }
  const list = pids ? [...pids].sort((a, b) => a - b) : await fs.pids();
  mkdirSync(dir, { recursive: true });
  const result: SnapshotResult = { root: dir, pids: [], skipped: [], jails: [] };
  for (const pid of list) {
    let status: Buffer;
    try {
      status = await fs.read(pid, 'status');
    } catch (err) {
      if (!explicit && err instanceof ProcfsError && err.code === 'ESRCH') continue;
      throw err;
    }
    const pdir = join(dir, String(pid));
    rmSync(pdir, { recursive: true, force: true });
    mkdirSync(pdir);
    writeFileSync(join(pdir, 'status'), status);
    for (const node of SNAPSHOT_NODES) {
      if (node === 'status') continue;
      try {
        const data = await fs.read(pid, node);
        if (node === 'file') symlinkSync(data.toString('utf8'), join(pdir, 'file'));
        else writeFileSync(join(pdir, node), data);
      } catch (err) {
        if (!(err instanceof ProcfsError)) throw err;
        result.skipped.push({ pid, node, code: err.code });
      }
    }
    result.pids.push(pid);
  }
  const taken = new Set(result.pids);
  result.jails = (await listJails(fs))
    .filter((j) => j.pids.some((p) => taken.has(p)))
    .map((j) => ({ jid: j.jid, hostname: j.hostname, ips: j.ips, path: j.path }));
  writeFileSync(join(dir, JAILS_FILE), JSON.stringify(result.jails, null, 2) + '\n');
  return result;
}
