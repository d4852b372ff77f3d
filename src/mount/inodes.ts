/**
 * Inode numbers of the mounted procfs: one per path (pid, tid, node), computed from the path
 * itself, so a name has the same number in every LOOKUP and READDIR, in every caller's view,
 * for as long as the process lives, with no table that could grow or go stale. (A table keyed
 * by path would have to guess when the kernel is done with an entry READDIR handed out; a
 * computed number needs no guess.) The kernel's lookup references are still counted, so FORGET
 * has its bookkeeping and the stats can show what the kernel holds.
 *
 *   ino = pid << 34 | tid << 5 | kind   (pid, tid < 2^29: 63 bits, positive as a signed 64-bit)
 *   kind 0: the process directory (tid 0) or a thread's directory (tid > 0)
 *   kind 1: `task/`
 *   kind 2 + i: row i of NODE_TABLE, of the process (tid 0) or of thread tid
 *   kind 30, 31: the process's `root/` and `map_files/` (the target's files, target-files.ts)
 *
 * 1 is the root (FUSE_ROOT_ID) and 2 is `curproc`; every process path is ≥ 2^34. The names
 * under root/ and map_files/ are paths of any depth, so their numbers come from a table
 * (target-files.ts), in [3, 2^34).
 */
import { NODE_TABLE, type NodeSpec } from '../procfs/node.js';

/** What a path of the mount names. */
export type Item =
  | { readonly kind: 'root' }
  /** A link to the caller's own process directory (BSD's curproc). */
  | { readonly kind: 'curproc' }
  | { readonly kind: 'proc'; readonly pid: number }
  | { readonly kind: 'task'; readonly pid: number }
  | { readonly kind: 'thread'; readonly pid: number; readonly tid: number }
  /** A node of the table: of the process (no tid), or of one thread (`task/TID/NODE`). */
  | { readonly kind: 'node'; readonly pid: number; readonly tid?: number; readonly spec: NodeSpec }
  /** pdbg's `root/` (the target's root) or `map_files/` (its mapped files), as Linux names them. */
  | { readonly kind: 'files'; readonly pid: number; readonly which: FilesDir };

export type FilesDir = 'root' | 'map_files';

export const ROOT_INO = 1n;
export const CURPROC_INO = 2n;

const ID_LIMIT = 1 << 29;
const KIND_DIR = 0n;
const KIND_TASK = 1n;
const KIND_NODE0 = 2n;
const KIND_ROOT = 30n;
const KIND_MAP_FILES = 31n;
if (NODE_TABLE.length + 2 > 30) throw new Error('inodes.ts: the node table outgrew its 5-bit kind field');

/** True when `n` fits the number's fields: larger ids (no Linux pid is) have no path. */
export function encodableId(n: number): boolean {
  return Number.isInteger(n) && n > 0 && n < ID_LIMIT;
}

export function inoOf(item: Item): bigint {
  switch (item.kind) {
    case 'root':
      return ROOT_INO;
    case 'curproc':
      return CURPROC_INO;
    case 'proc':
      return pack(item.pid, 0, KIND_DIR);
    case 'task':
      return pack(item.pid, 0, KIND_TASK);
    case 'thread':
      return pack(item.pid, item.tid, KIND_DIR);
    case 'node':
      return pack(item.pid, item.tid ?? 0, KIND_NODE0 + BigInt(NODE_TABLE.indexOf(item.spec)));
    case 'files':
      return pack(item.pid, 0, item.which === 'root' ? KIND_ROOT : KIND_MAP_FILES);
  }
}

function pack(pid: number, tid: number, kind: bigint): bigint {
  return (BigInt(pid) << 34n) | (BigInt(tid) << 5n) | kind;
}

/** The path an inode number names, or undefined for a number this file system never gave. */
export function itemOf(ino: bigint): Item | undefined {
  if (ino === ROOT_INO) return { kind: 'root' };
  if (ino === CURPROC_INO) return { kind: 'curproc' };
  if (ino < 1n << 34n || ino >= 1n << 63n) return undefined;
  const pid = Number(ino >> 34n);
  const tid = Number((ino >> 5n) & BigInt(ID_LIMIT - 1));
  const kind = ino & 31n;
  if (kind === KIND_DIR) return tid === 0 ? { kind: 'proc', pid } : { kind: 'thread', pid, tid };
  if (kind === KIND_TASK) return tid === 0 ? { kind: 'task', pid } : undefined;
  if (kind === KIND_ROOT || kind === KIND_MAP_FILES) return tid === 0 ? { kind: 'files', pid, which: kind === KIND_ROOT ? 'root' : 'map_files' } : undefined;
  const spec = NODE_TABLE[Number(kind - KIND_NODE0)];
  if (!spec) return undefined;
  if (tid === 0) return { kind: 'node', pid, spec };
  return spec.scope === 'thread' ? { kind: 'node', pid, tid, spec } : undefined;
}

/**
 * The kernel's references: every LOOKUP reply adds one, FORGET gives `nlookup` back. Numbers
 * do not depend on it (they are computed); it only tells what the kernel still holds.
 */
export class LookupCounts {
  private readonly counts = new Map<bigint, bigint>();

  looked(ino: bigint): void {
    if (ino === ROOT_INO) return; // the root is never forgotten, never counted
    this.counts.set(ino, (this.counts.get(ino) ?? 0n) + 1n);
  }

  forget(ino: bigint, nlookup: bigint): void {
    const left = (this.counts.get(ino) ?? 0n) - nlookup;
    if (left > 0n) this.counts.set(ino, left);
    else this.counts.delete(ino);
  }

  /** References the kernel holds on `ino`. */
  of(ino: bigint): bigint {
    return this.counts.get(ino) ?? 0n;
  }

  /** Inodes the kernel holds at least one reference to. */
  get size(): number {
    return this.counts.size;
  }
}
