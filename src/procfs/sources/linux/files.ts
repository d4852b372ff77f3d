/**
 * Files as a target sees them, for symbols and debug files: a path resolved through the
 * target's root (`/proc/PID/root`, so a jailed process's own libc), or the machine's own root;
 * where the path does not lead to the very file mapped (a chroot whose maps show host paths, a
 * file deleted after start), `/proc/PID/map_files/START-END` opens it.
 */
import { open, stat } from 'node:fs/promises';
import { fromSystemError, ProcfsError } from '../../errors.js';
import type { FileIdentity, FileRef } from '../../source.js';

/** Most bytes one readFile returns: a caller wanting a bigger file reads it in ranges. */
export const READ_FILE_CAP = 256 << 20;

function hex(v: bigint): string {
  return v.toString(16);
}

/** The host path that holds the file `ref` names for process `pid`, checked against the mapping's inode. */
export async function hostPathOf(procRoot: string, pid: number, path: string, ref: FileRef = {}): Promise<string> {
  if (!path.startsWith('/') || path.includes('\0')) throw new ProcfsError('EINVAL', `not an absolute path: '${path}'`, pid);
  const clean = path.replace(/ \(deleted\)$/, '');
  const candidates = ref.root === 'host' ? [clean] : [`${procRoot}/${pid}/root${clean}`, ...(ref.mapping ? [clean] : [])];
  for (const c of candidates) {
    try {
      const st = await stat(c, { bigint: true });
      if (!st.isFile()) continue;
      if (ref.mapping && st.ino !== BigInt(ref.mapping.inode)) continue;
      return c;
    } catch {
      /* next */
    }
  }
  if (ref.mapping) return `${procRoot}/${pid}/map_files/${hex(ref.mapping.start)}-${hex(ref.mapping.end)}`;
  return candidates[0]!;
}

export async function statHostFile(file: string, pid: number): Promise<FileIdentity> {
  try {
    const st = await stat(file, { bigint: true });
    if (!st.isFile()) throw new ProcfsError('EINVAL', `${file}: not a regular file`, pid);
    return { dev: st.dev, ino: st.ino, size: Number(st.size), mtimeNs: st.mtimeNs };
  } catch (err) {
    if (err instanceof ProcfsError) throw err;
    throw fromSystemError(err, pid, file);
  }
}

export async function readHostFile(file: string, pid: number, offset = 0, length?: number): Promise<Buffer> {
  let h;
  try {
    h = await open(file, 'r');
  } catch (err) {
    throw fromSystemError(err, pid, file);
  }
  try {
    const st = await h.stat();
    if (!st.isFile()) throw new ProcfsError('EINVAL', `${file}: not a regular file`, pid);
    const want = Math.min(length ?? Math.max(0, st.size - offset), READ_FILE_CAP);
    const buf = Buffer.alloc(want);
    let got = 0;
    while (got < want) {
      const { bytesRead } = await h.read(buf, got, want - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got === want ? buf : buf.subarray(0, got);
  } catch (err) {
    if (err instanceof ProcfsError) throw err;
    throw fromSystemError(err, pid, file);
  } finally {
    await h.close();
  }
}
