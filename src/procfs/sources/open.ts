import { existsSync, realpathSync, statfsSync } from 'node:fs';
import type { ProcFs } from '../source.js';
import { LinuxProcFs } from './linux/index.js';

/**
 * The source behind `--proc-root DIR`: the live system when DIR is absent or is Linux's /proc
 * (recognised by /proc/self/stat, which no tree has), otherwise a BSD-layout tree, checked to
 * hold at least one PID/status so that a wrong directory fails at once with one clear line.
 * A tree on a FUSE file system (a `pdbg mount`) is live: the engine drives it by writes. Any
 * other tree is a snapshot and refuses them (EROFS), whatever files it holds: a copied tree with
 * a `ctl` file in it is still somebody's directory, not a process.
 */
export async function openProcFs(root?: string): Promise<ProcFs> {
  if (root === undefined || root === '') return new LinuxProcFs('/proc');
  if (existsSync(`${root}/self/stat`) && existsSync(`${root}/stat`)) {
    return new LinuxProcFs(realpathSync(root));
  }
  // Loaded only for a tree: the live listing (`pdbg ps`) does not pay for it.
  const { TreeProcFs } = await import('./tree.js');
  const tree = TreeProcFs.open(root);
  if (!isFuse(root)) return tree;
  const { MountedTreeProcFs } = await import('./mounted-tree.js');
  return new MountedTreeProcFs(tree.root);
}

/** statfs f_type of a FUSE file system (linux/magic.h FUSE_SUPER_MAGIC). */
const FUSE_SUPER_MAGIC = 0x65735546;

function isFuse(root: string): boolean {
  try {
    return Number(statfsSync(root).type) === FUSE_SUPER_MAGIC;
  } catch {
    return false;
  }
}
