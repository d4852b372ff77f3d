/**
 * ProcFs.openFile of the live source: a descriptor on the file as the target sees it, opened
 * by the untrusted-file rule (untrusted-file.ts: nothing but a regular file, no blocking open,
 * the size bounded, a link in the last component refused unless the rule follows it).
 *
 * `root: 'target'` opens `/proc/PID/root/PATH`, which the live source's root resolver
 * (root-resolver.ts, registered before the first open) resolves inside the target's root, so a
 * jail's absolute link cannot name a host file; `root: 'host'` is pdbg's own view of the path;
 * a `mapping` is the mapped inode itself, `/proc/PID/map_files/START-END` (root only), whose
 * entries are links by design. Which candidate to try first, and whether it is the very file a
 * maps line names, is the caller's business (engine/symbols/module-file.ts).
 */
import { ProcfsError } from '../../errors.js';
import type { OpenFileOptions, RangedFile } from '../../source.js';
import { openUntrustedFile } from '../../untrusted-file.js';

export async function openLiveFile(procRoot: string, pid: number, path: string, opts: OpenFileOptions = {}): Promise<RangedFile> {
  // pdbg's own reads: a server's caller reads through readFile, which opens with its rights.
  if (opts.as && opts.as.uid !== 0) throw new ProcfsError('EOPNOTSUPP', `${path}: openFile reads with pdbg's own rights, not uid ${opts.as.uid}'s`, pid);
  if (!path.startsWith('/') || path.includes('\0')) throw new ProcfsError('EINVAL', `not an absolute path: '${path}'`, pid);
  const rule = { ...(opts.follow !== undefined && { follow: opts.follow }), ...(opts.maxSize !== undefined && { maxSize: opts.maxSize }) };
  if (opts.mapping) return openUntrustedFile(`${procRoot}/${pid}/map_files/${opts.mapping.start.toString(16)}-${opts.mapping.end.toString(16)}`, rule);
  if (opts.root === 'host') return openUntrustedFile(path, rule);
  return openUntrustedFile(`${procRoot}/${pid}/root${path}`, rule);
}
