import { ParseError } from '../../errors.js';

/** The credentials of Linux `/proc/PID/status`: `Uid:`/`Gid:` are real, effective, saved, fs. */
export interface LinuxCreds {
  ruid: number;
  euid: number;
  rgid: number;
  egid: number;
  /** Supplementary groups (`Groups:`), in the kernel's order. */
  groups: number[];
}

function numbersAfter(text: string, key: string): number[] {
  const at = text.indexOf(key);
  if (at < 0) throw new ParseError(key.trim(), `status: no ${key.trim()} line`);
  const end = text.indexOf('\n', at + 1);
  const rest = text.slice(at + key.length, end < 0 ? undefined : end).trim();
  return rest === '' ? [] : rest.split(/\s+/).map(Number);
}

/** Reads the credential lines out of a status file's text (only those: the rest is memory stats). */
export function parseLinuxCreds(text: string): LinuxCreds {
  const uid = numbersAfter(text, '\nUid:');
  const gid = numbersAfter(text, '\nGid:');
  const groups = numbersAfter(text, '\nGroups:');
  if (uid.length < 2 || gid.length < 2) throw new ParseError('Uid', 'status: short Uid/Gid line');
  return { ruid: uid[0]!, euid: uid[1]!, rgid: gid[0]!, egid: gid[1]!, groups };
}
