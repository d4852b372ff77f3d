import { existsSync, realpathSync } from 'node:fs';
import type { ProcFs } from '../source.js';
import { LinuxProcFs } from './linux/index.js';

/**
 * The source behind `--proc-root DIR`: the live system when DIR is absent or is Linux's /proc
 * (recognised by /proc/self/stat, which no tree has), otherwise a BSD-layout tree, checked to
 * hold at least one PID/status so that a wrong directory fails at once with one clear line.
 */
export async function openProcFs(root?: string): Promise<ProcFs> {
  if (root === undefined || root === '') return new LinuxProcFs('/proc');
  if (existsSync(`${root}/self/stat`) && existsSync(`${root}/stat`)) {
    return new LinuxProcFs(realpathSync(root));
  }
  // Loaded only for a tree: the live listing (`pdbg ps`) does not pay for it.
  const { TreeProcFs } = await import('./tree.js');
  return TreeProcFs.open(root);
}
