/**
 * Files as a target sees them, for symbols and debug files, and for the mount's `root/` and
 * `map_files/`: a path resolved inside the target's root (`/proc/PID/root`, so a jailed
 * process's own libc, and never a host file its links point at: in-root.ts), or the machine's
 * own root; where the path does not lead to the very file mapped (a chroot whose maps show host
 * paths, a file deleted after start), `/proc/PID/map_files/START-END` opens it.
 *
 * Every open follows the rules for files somebody else named (untrusted-file.ts): nothing but a
 * regular file is opened for reading, without blocking (a FIFO's open used to hang the agent's
 * READFILE, and every request after it), and a read is bounded.
 */
import { closeSync, read as readCb, statSync } from 'node:fs';
import { promisify } from 'node:util';
import { ProcfsError } from '../../errors.js';
import type { FileCaller, FileIdentity, FileRef } from '../../source.js';
import { openInRoot, type InRootFile } from './in-root.js';
import { openMapping } from './map-file.js';

/** Most bytes one readFile returns: a caller wanting a bigger file reads it in ranges. */
export const READ_FILE_CAP = 256 << 20;

const readFd = promisify(readCb);

function hex(v: bigint): string {
  return v.toString(16);
}

function checkPath(path: string, pid: number): string {
  if (!path.startsWith('/') || path.includes('\0')) throw new ProcfsError('EINVAL', `not an absolute path: '${path}'`, pid);
  return path.replace(/ \(deleted\)$/, '');
}

/**
 * Opens the file `ref` names for process `pid`: inside its root (or the host's, `root: 'host'`);
 * for a mapping, the candidate whose inode is the mapping's, else the mapping itself. With
 * `ref.as`, as that caller could (in-root.ts, map-file.ts). The caller closes the fd.
 */
export function openTargetFile(procRoot: string, pid: number, path: string, ref: FileRef = {}, forRead = true): InRootFile {
  const clean = checkPath(path, pid);
  const as: FileCaller | undefined = ref.as;
  const common = { pid, what: `${pid}: ${clean}`, forRead, ...(as && { as }) };
  if (ref.root === 'host') return openInRoot('/', clean, { ...common, pid: undefined });
  if (!ref.mapping) return openInRoot(`${procRoot}/${pid}/root`, clean, common);
  const m = ref.mapping;
  // The host path too, for a chroot whose maps show host paths; not for a caller, who may not
  // see the host's tree (map_files serves that case with its own check).
  const roots = as ? [`${procRoot}/${pid}/root`] : [`${procRoot}/${pid}/root`, '/'];
  for (const root of roots) {
    let f: InRootFile;
    try {
      f = openInRoot(root, clean, { ...common, ...(root === '/' && { pid: undefined }) });
    } catch (e) {
      if (e instanceof ProcfsError && (e.code === 'EACCES' || e.code === 'EPERM') && as) throw e;
      continue;
    }
    if (f.st.ino === BigInt(m.inode)) return f;
    closeSync(f.fd);
  }
  return openMapping(`${procRoot}/${pid}/map_files/${hex(m.start)}-${hex(m.end)}`, { pid, what: common.what, forRead, ...(as && { as }) });
}

/** The host path that holds the file `ref` names (for readers that open it in place), checked to be the file the rules above open. */
export async function hostPathOf(procRoot: string, pid: number, path: string, ref: FileRef = {}): Promise<string> {
  const clean = checkPath(path, pid);
  const f = openTargetFile(procRoot, pid, path, ref, false);
  try {
    // The plain path resolves absolute links against pdbg's root: it is given out only where
    // it leads to the same file as the resolution inside the target's root did.
    const plain = ref.root === 'host' ? clean : `${procRoot}/${pid}/root${clean}`;
    try {
      const st = statSync(plain, { bigint: true });
      if (st.ino === f.st.ino && st.dev === f.st.dev) return plain;
    } catch {
      /* below */
    }
    if (ref.mapping) return `${procRoot}/${pid}/map_files/${hex(ref.mapping.start)}-${hex(ref.mapping.end)}`;
    throw new ProcfsError('EXDEV', `${pid}: ${clean}: its path leads out of the target's root; refused`, pid);
  } finally {
    closeSync(f.fd);
  }
}

export async function statTargetFile(procRoot: string, pid: number, path: string, ref: FileRef = {}): Promise<FileIdentity> {
  const f = openTargetFile(procRoot, pid, path, ref, false);
  closeSync(f.fd);
  return { dev: f.st.dev, ino: f.st.ino, size: Number(f.st.size), mtimeNs: f.st.mtimeNs };
}

export async function readTargetFile(procRoot: string, pid: number, path: string, ref: FileRef = {}, offset = 0, length?: number): Promise<Buffer> {
  const f = openTargetFile(procRoot, pid, path, ref);
  try {
    const size = Number(f.st.size);
    const want = Math.min(length ?? Math.max(0, size - offset), READ_FILE_CAP);
    const buf = Buffer.alloc(Math.max(0, want));
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await readFd(f.fd, buf, got, buf.length - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got === buf.length ? buf : buf.subarray(0, got);
  } catch (err) {
    if (err instanceof ProcfsError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    throw new ProcfsError(code, `${pid}: ${path}: ${code}`, pid);
  } finally {
    closeSync(f.fd);
  }
}
