/**
 * The directory `pdbg mount` is asked to mount on: it must exist, be a directory and be empty
 * (mounting over files hides them; FUSE's own tools refuse a non-empty one too, unless told).
 * A dead FUSE mount left by a killed daemon answers ENOTCONN: that gets its own sentence, with
 * the command that clears it.
 */
import { readdirSync, statSync } from 'node:fs';
import { ProcfsError } from '../procfs/errors.js';

export function checkMountPoint(dir: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (e) {
    throw pathError(dir, e);
  }
  if (!isDir) throw new ProcfsError('ENOTDIR', `${dir}: not a directory`);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw pathError(dir, e);
  }
  if (names.length > 0) throw new ProcfsError('ENOTEMPTY', `${dir}: not empty (pdbg mounts only on an empty directory)`);
}

function pathError(dir: string, e: unknown): ProcfsError {
  const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
  switch (code) {
    case 'ENOENT':
      return new ProcfsError(code, `${dir}: no such directory`);
    case 'ENOTDIR':
      return new ProcfsError(code, `${dir}: not a directory`);
    case 'ENOTCONN':
      return new ProcfsError(code, `${dir}: a FUSE mount whose daemon is gone (transport endpoint is not connected): fusermount3 -u ${dir} clears it`);
    case 'EACCES':
    case 'EPERM':
      return new ProcfsError(code, `${dir}: permission denied`);
    default:
      return new ProcfsError(code, `${dir}: ${(e as Error).message}`);
  }
}
