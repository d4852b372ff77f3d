/**
 * What a listing of processes is made of. The model declares it (not the inventory layer that
 * builds listings) because sources describe processes in bulk (SourceCapabilities.describer).
 */
import type { ParseError, ProcfsError } from './errors.js';
import type { ProcStatus } from './status.js';

/** One process of a listing: its parsed status line plus what ps shows beyond it. */
export interface ProcessInfo {
  pid: number;
  /** The status line's fields; from the live source `wchan` is null unless the `wchan` field was asked for. */
  status: ProcStatus;
  /** 0 = the host; the jail's id (UTS namespace inode); null = unknown or not asked for. */
  jid: number | null;
  /** Linux's one-letter state (R S D Z T t I …); null where the source has none (a BSD tree). */
  state: string | null;
  /** argv; null unless `args` was asked for (or the process has none: a kernel thread). */
  args: string[] | null;
}

/** What a listing must read beyond the status line. */
export interface ListWants {
  jid: boolean;
  args: boolean;
  /** The live source reads /proc/PID/wchan (a file per process) only when asked. */
  wchan: boolean;
  /**
   * false: the credentials are not wanted (no uid/gid column), and the live source skips
   * /proc/PID/status, a third of what a listing reads per process: euid, ruid, rgid and egid are
   * then -1 and groups empty. Absent: read them.
   */
  creds?: boolean;
}

/**
 * What a listing does with one process it cannot read (a tree's status that is a FIFO, a
 * symlink loop, a malformed line): given, the process is left out and the error handed over, so
 * one bad entry does not hide the others, as `ls` lists a directory around an unreadable entry;
 * absent, the error is thrown. Processes that vanish mid-listing (ESRCH) are skipped either way.
 */
export type EntryErrorHandler = (err: ProcfsError | ParseError, pid: number) => void;
