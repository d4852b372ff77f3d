import type { NodeName } from './node.js';

/**
 * Where a node lives: a process, or one thread of it (`task/TID/…`, pdbg's Linux extension).
 * `offset` is the byte offset (the address, for `mem`).
 */
export interface NodeOptions {
  tid?: number;
  offset?: bigint;
  /** Bytes to read from `mem`; other nodes are read whole. */
  length?: number;
}

/**
 * What serves the process directories: the one interface everything above `src/procfs/`
 * reads and controls processes through. Backends: live Linux (`/proc` + ptrace) and a plain
 * directory tree (a pdbg snapshot or a real BSD `/proc`). A backend that cannot do a thing
 * (a snapshot asked to `step`) rejects with a ProcfsError (EOPNOTSUPP, EROFS, …); callers never
 * test which backend they have.
 *
 * Writes are async because `ctl wait` blocks until the target stops; reads are async so that a
 * remote or FUSE-backed source fits the same shape.
 */
export interface ProcFs {
  /** `linux` for the live system, `tree` for a directory. */
  readonly kind: 'linux' | 'tree';
  /** The directory the nodes come from (`/proc`, or the tree's root). */
  readonly root: string;
  /** Every process id, ascending. */
  pids(): Promise<number[]>;
  /** Thread ids of a process, ascending (just `[pid]` where the backend has no threads). */
  threads(pid: number): Promise<number[]>;
  /** A whole text node, or `length` bytes of `mem` at `offset`. */
  read(pid: number, node: NodeName, opts?: NodeOptions): Promise<Buffer>;
  /**
   * Reads into a caller's buffer (regs every step, mem dumps) so hot loops allocate nothing.
   * Resolves to the byte count.
   */
  readInto(pid: number, node: NodeName, into: Uint8Array, opts?: NodeOptions): Promise<number>;
  /** Writes a node; resolves when the write's effect is done (for `ctl wait`: the target stopped). */
  write(pid: number, node: NodeName, data: string | Uint8Array, opts?: NodeOptions): Promise<number>;
  /** Releases what the source holds (traced targets are detached, fds closed). */
  close(): Promise<void>;
}
