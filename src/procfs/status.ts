/**
 * The `status` node: one line describing a process (FreeBSD `procfs_status.c`), its dialects,
 * parser and formatter. See ../shared/spec/procfs.md §2.
 *
 * CONTRACT (owned by the status work; other modules import only these names):
 *   parseStatus(line) -> ProcStatus      throws ParseError naming the first wrong field
 *   formatStatus(s)   -> string          formatStatus(parseStatus(l)) === l for every valid l
 */

/** Which system wrote the line; recognised from token shapes, never passed in. */
export type StatusDialect =
  | 'freebsd5'   // FreeBSD 5–7: escaped comm, tty maj,min, jail hostname (pdbg's own output)
  | 'freebsd8'   // FreeBSD ≥ 8: escaped comm, tty as a name or '-', jail name
  | 'freebsd4'   // FreeBSD 4: as freebsd5 with a raw comm
  | 'bsd44lite'  // 4.4BSD-Lite: 12 tokens, `euid,groups…`, no ruid/rgid, no jail
  | 'bsd93'      // the 1993 procfs: times as `sec usec`, credentials space-separated
  | 'netbsd';    // NetBSD: `euid egid,groups…`

/** `sec,usec`; both -1 when the process is swapped out. */
export interface Timeval {
  sec: number;
  usec: number;
}

export type Tty =
  | { kind: 'dev'; major: number; minor: number } // `5,0`; `-1,-1` is kind 'none' in a dev dialect
  | { kind: 'name'; name: string }                 // FreeBSD ≥ 8: `pts/0`
  | { kind: 'none' };                              // `-1,-1` or `-`

export interface ProcStatus {
  dialect: StatusDialect;
  /** The command name's raw bytes, unescaped (escaping is the formatter's business). */
  comm: Uint8Array;
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  tty: Tty;
  /** `ctty` (has a controlling terminal), `sldr` (session leader); both false = `noflags`. */
  flags: { ctty: boolean; sldr: boolean };
  start: Timeval;
  utime: Timeval;
  stime: Timeval;
  /** Wait channel, or null for `nochan`. */
  wchan: string | null;
  euid: number;
  /** Absent (null) in 4.4BSD-Lite, the 1993 procfs and NetBSD. */
  ruid: number | null;
  /** Absent (null) where the dialect has no rgid. */
  rgid: number | null;
  /** Effective gid: the first group in the credential list. */
  egid: number;
  /** Every group after the egid, in order. */
  groups: number[];
  /** Jail hostname (FreeBSD 4–7, pdbg) or jail name (FreeBSD ≥ 8); null for `-` or no field. */
  jail: string | null;
}
