/**
 * `pdbg snapshot`: copies processes' text nodes into a BSD-layout tree (DIR/PID/status, …)
 * that TreeProcFs (`--proc-root DIR`) reads back. `file` is written as a symlink, as BSD's is;
 * `jail` keeps the jail ids; DIR/jails.json keeps what jls shows beyond the nodes (IPs, path).
 *
 * Root runs this, often into a path others can write near, so DIR is written through OutDir:
 * a new directory, or an empty one we own that no one else can write (an old snapshot is
 * refused, not replaced: telling our files from planted ones is not possible), every file
 * created exclusively, no symlink followed. A snapshot that fails part-way is removed again,
 * so DIR ends up complete or as it was.
 */
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { ProcfsError } from '../procfs/errors.js';
import { NODE_TABLE, type NodeName } from '../procfs/node.js';
import type { ProcFs } from '../procfs/source.js';
import { JAILS_FILE, type RecordedJail } from '../procfs/recorded-jails.js';
import { listJails } from './jails.js';
import { OutDir } from './out-dir.js';

/** The nodes a snapshot keeps: everything readable that does not need a stopped target. */
export const SNAPSHOT_NODES: readonly NodeName[] = NODE_TABLE.filter((n) => n.snapshot).map((n) => n.name);

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
  const list = pids ? [...new Set(pids)].sort((a, b) => a - b) : await fs.pids();
  const out = OutDir.open(dir, { notEmpty: refusal });
  const result: SnapshotResult = { root: dir, pids: [], skipped: [], jails: [] };
  try {
    for (const pid of list) {
      let status: Buffer;
      try {
        status = await fs.read(pid, 'status');
      } catch (err) {
        if (!explicit && err instanceof ProcfsError && err.code === 'ESRCH') continue;
        throw err;
      }
      const pdir = out.mkdir(String(pid));
      try {
        pdir.writeFile('status', status);
        for (const node of SNAPSHOT_NODES) {
          if (node === 'status') continue;
          let data: Buffer;
          try {
            data = await fs.read(pid, node);
          } catch (err) {
            if (!(err instanceof ProcfsError)) throw err;
            result.skipped.push({ pid, node, code: err.code });
            continue;
          }
          if (node === 'file') pdir.symlink(data.toString('utf8'), 'file');
          else pdir.writeFile(node, data);
        }
      } finally {
        pdir.close();
      }
      result.pids.push(pid);
    }
    const taken = new Set(result.pids);
    result.jails = (await listJails(fs))
      .filter((j) => j.pids.some((p) => taken.has(p)))
      .map((j) => ({ jid: j.jid, hostname: j.hostname, ips: j.ips, path: j.path }));
    out.writeFile(JAILS_FILE, JSON.stringify(result.jails, null, 2) + '\n');
  } catch (err) {
    out.discard();
    throw err;
  }
  out.close();
  return result;
}

/** Why a directory with entries is refused: an old snapshot gets its own sentence. */
function refusal(path: string, names: string[]): string {
  if (names.includes(JAILS_FILE) && isFile(join(path, JAILS_FILE))) return `${path}: holds a snapshot already (pdbg does not write over one: remove it or choose a new directory)`;
  return `${path}: not empty (pdbg writes a snapshot only into a new or empty directory)`;
}

function isFile(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
}
