/**
 * This machine's own ELF files, for tests that read a file with no target: opened by the rule
 * the live source opens a target's with (procfs/untrusted-file.ts), through the engine's one
 * image cache. A FileRef's root means nothing without a target (both views are this machine's);
 * a mapping cannot be opened without one.
 */
import { DEBUGLINK_RULE, fileCrc32 } from '../../src/engine/symbols/debug-file.js';
import { openImage, type FileOpener } from '../../src/engine/symbols/image-cache.js';
import { moduleUnwindTable } from '../../src/engine/unwind/module-table.js';
import type { ElfImage } from '../../src/elf/types.js';
import type { UnwindTable } from '../../src/dwarf/cfi-table.js';
import { ProcfsError } from '../../src/procfs/errors.js';
import type { OpenRule } from '../../src/procfs/source.js';
import { openUntrustedFile } from '../../src/procfs/untrusted-file.js';

export const hostOpen: FileOpener = (path, opts = {}) =>
  opts.mapping
    ? Promise.reject(new ProcfsError('ENOENT', `${path}: no target whose mapping could be opened`))
    : openUntrustedFile(path, { ...(opts.follow !== undefined && { follow: opts.follow }), ...(opts.maxSize !== undefined && { maxSize: opts.maxSize }) });

export function loadElfFile(path: string, rule: OpenRule = {}): Promise<ElfImage> {
  return openImage(hostOpen, path, rule);
}

/** The unwind table of the file at `path` alone (no separate debug file). */
export async function unwindTableFromFile(path: string): Promise<UnwindTable> {
  return moduleUnwindTable({ image: await loadElfFile(path) });
}

/** fileCrc32 of this machine's file at `path`, opened by the debuglink rule unless told otherwise. */
export async function crcOfFile(path: string, rule: OpenRule = DEBUGLINK_RULE): Promise<{ crc: number; key: string }> {
  const file = await hostOpen(path, rule);
  try {
    return await fileCrc32(file);
  } finally {
    await file.close();
  }
}
