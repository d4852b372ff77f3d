/**
 * The file-system side of a FUSE mount, as pseudofs is to FreeBSD's procfs: the wire protocol
 * (session.ts) turns kernel requests into calls of this interface, and a file system (the pdbg
 * procfs in src/mount/) answers them. Nothing here knows of processes.
 *
 * Errors: a method throws (or rejects with) any Error whose `code` is an errno name (`ENOENT`,
 * `EACCES`, `EOPNOTSUPP`, …, as ProcfsError carries); the session sends its negative number.
 * Anything else is EIO. Inode numbers are the file system's own; 1 is the root (FUSE_ROOT_ID).
 */

/** Who asks: the kernel fills these in from the calling task, so no caller can forge them. */
export interface FuseCaller {
  readonly uid: number;
  readonly gid: number;
  /** The calling thread's id in the daemon's pid namespace; 0 when it is not visible there. */
  readonly pid: number;
  /** Aborted when the kernel sends INTERRUPT for this request (the caller got a signal). */
  readonly signal: AbortSignal;
}

export type FuseFileType = 'dir' | 'file' | 'link';

/** What a stat shows. Times are the mount's start unless a file system has better. */
export interface FuseAttr {
  readonly ino: bigint;
  readonly type: FuseFileType;
  /** Permission bits only (0o555, 0o600, …); the type bits come from `type`. */
  readonly perm: number;
  readonly nlink: number;
  readonly uid: number;
  readonly gid: number;
  /** 0 for every procfs node (reads are direct, so the size never limits them). */
  readonly size: bigint;
  readonly mtimeMs?: number;
}

/** A LOOKUP's answer; the session counts lookups and FORGET gives them back. */
export interface FuseEntry {
  readonly attr: FuseAttr;
  /** How long the kernel may cache the name and the attributes, in seconds (0: ask each time). */
  readonly entryTtl: number;
  readonly attrTtl: number;
}

export interface FuseDirEntry {
  readonly name: string;
  readonly ino: bigint;
  readonly type: FuseFileType;
}

export interface FuseOpened {
  /** The file system's own handle number, given back on READ/WRITE/FLUSH/RELEASE. */
  readonly fh: bigint;
  /** FOPEN_DIRECT_IO: reads go to the file system whatever the size says (every procfs node). */
  readonly directIo: boolean;
}

export interface FuseSetattr {
  readonly size?: bigint;
  readonly mode?: number;
}

export interface FuseStatfs {
  readonly blocks: bigint;
  readonly bfree: bigint;
  readonly files: bigint;
  readonly ffree: bigint;
  readonly namelen: number;
}

export interface FuseFilesystem {
  lookup(caller: FuseCaller, parent: bigint, name: string): Promise<FuseEntry>;
  /** The kernel dropped `nlookup` references to `ino` (FORGET, BATCH_FORGET): no reply. */
  forget(ino: bigint, nlookup: bigint): void;
  getattr(caller: FuseCaller, ino: bigint): Promise<FuseAttr>;
  /** The shell's `>` truncates (size 0) before it writes; a procfs node accepts that and ignores it. */
  setattr(caller: FuseCaller, ino: bigint, set: FuseSetattr): Promise<FuseAttr>;
  readlink(caller: FuseCaller, ino: bigint): Promise<Buffer>;
  /** `flags` as open(2) got them (O_ACCMODE in the low bits). */
  open(caller: FuseCaller, ino: bigint, flags: number): Promise<FuseOpened>;
  read(caller: FuseCaller, ino: bigint, fh: bigint, offset: bigint, size: number): Promise<Buffer>;
  /** Resolves with the bytes taken; for `ctl wait`, when the target stopped. */
  write(caller: FuseCaller, ino: bigint, fh: bigint, offset: bigint, data: Buffer): Promise<number>;
  /** close(2) of one descriptor of the handle (there may be several after dup/fork). */
  flush(caller: FuseCaller, ino: bigint, fh: bigint): Promise<void>;
  /** The last descriptor of the handle is gone. */
  release(caller: FuseCaller, ino: bigint, fh: bigint): Promise<void>;
  opendir(caller: FuseCaller, ino: bigint): Promise<FuseOpened>;
  /** Every entry of the directory, `.` and `..` first; the session pages them by offset. */
  readdir(caller: FuseCaller, ino: bigint, fh: bigint): Promise<readonly FuseDirEntry[]>;
  releasedir(caller: FuseCaller, ino: bigint, fh: bigint): Promise<void>;
  statfs(caller: FuseCaller): Promise<FuseStatfs>;
  /** access(2): `mask` is R_OK|W_OK|X_OK (F_OK = 0); reject with EACCES to refuse. */
  access(caller: FuseCaller, ino: bigint, mask: number): Promise<void>;
  /** The mount is going away (DESTROY, or the session ended). */
  destroy(): Promise<void>;
}
