import type { NodeName } from './node.js';
import type { EntryErrorHandler, ListWants, ProcessInfo } from './process-info.js';

/**
 * Where a node lives: a process, or one thread of it (`task/TID/…`, pdbg's Linux extension).
 * `offset` is the byte offset (the address, for `mem`).
 */
export interface NodeOptions {
  tid?: number;
  offset?: bigint;
  /** Bytes to read from `mem`; other nodes are read whole. */
  length?: number;
}

/** Which file: a path as the target sees it, or as its machine does. */
export interface FileRef {
  /**
   * `target` (default): resolved through the target's root, so a jailed process's own libc is
   * read; `host`: the machine's own root (debug files installed on the host).
   */
  readonly root?: 'target' | 'host';
  /**
   * A mapping of the file (from the `maps` node), so a backend can open the very file mapped
   * where the path no longer leads to it (a chroot whose maps show host paths, a deleted file).
   */
  readonly mapping?: { readonly start: bigint; readonly end: bigint; readonly inode: number };
  /**
   * Read the file only as this caller could itself (a server's client: the mount's FUSE caller,
   * carried through the agent): the source opens it with these credentials, so the kernel's own
   * permission checks decide. Absent: the source's own permissions (pdbg's user). A source that
   * cannot open files as somebody else refuses a FileRef with `as` (EOPNOTSUPP) unless `as` is
   * uid 0: it never serves a caller with more than the caller's own rights.
   */
  readonly as?: FileCaller;
}

/** Whose permissions a file read is checked against: the ids the kernel checks an open with. */
export interface FileCaller {
  readonly uid: number;
  readonly gid: number;
  /** Supplementary groups. */
  readonly groups: readonly number[];
}

/** A file's identity: a cache key (same file, same bytes) and its size. */
export interface FileIdentity {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly size: number;
  readonly mtimeNs: bigint;
}

/**
 * One file opened through a source and read by ranges (ProcFs.openFile): the only view of a file
 * the ELF and DWARF readers and the engine's symbol loader have. Live Linux backs it with a
 * descriptor; a remote source with ranged READFILEs (helpers: ranged-file.ts).
 */
export interface RangedFile {
  /** The path it was opened by, for messages. */
  readonly path: string;
  /** Taken when it was opened: two opens of the same unchanged file give equal identities. */
  readonly identity: FileIdentity;
  /** `length` bytes at `offset`, fewer only where the file ends. */
  read(offset: number, length: number): Promise<Buffer>;
  /** Releases the descriptor (idempotent). */
  close(): Promise<void>;
}

/**
 * How a file somebody else named is opened (untrusted-file.ts): whether a symbolic link in the
 * last component is followed, and the largest size accepted (EFBIG past it). Every path the
 * engine reads for symbols is named by the target's side (a maps line, a debug link, a build ID).
 */
export interface OpenRule {
  /** Follow a symbolic link in the last component (default true). */
  readonly follow?: boolean;
  readonly maxSize?: number;
}

/**
 * What ProcFs.openFile takes: which file and by which rule. With `mapping`, the mapped file
 * itself (the path is then for messages and for sources that find it by path).
 */
export type OpenFileOptions = FileRef & OpenRule;

/** Where one of a started program's standard fds goes: the source's own, /dev/null, or a file path (on the source's side). */
export type StdioTarget = 'inherit' | 'ignore' | string;

export interface SpawnOptions {
  readonly stdin?: StdioTarget;
  readonly stdout?: StdioTarget;
  readonly stderr?: StdioTarget;
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
}

/** One operation of a batch (ProcFs.batch): a node write or a readInto. */
export type BatchOp =
  | { readonly op: 'write'; readonly pid: number; readonly node: NodeName; readonly data: string | Uint8Array; readonly opts?: NodeOptions }
  | { readonly op: 'readInto'; readonly pid: number; readonly node: NodeName; readonly into: Uint8Array; readonly opts?: NodeOptions };

/** What one op of a batch gave: its count (bytes written or read) or its error. */
export type BatchResult = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly error: unknown };

/**
 * Describes many processes at once without going through promise-per-node reads (both of
 * pdbg's own sources). Processes that vanish mid-listing are skipped.
 */
export interface ProcessDescriber {
  describe(pids: readonly number[], want: ListWants, onError?: EntryErrorHandler): Promise<ProcessInfo[]>;
}

/** What a source can tell about a jail beyond its processes' nodes. */
export interface JailDetails {
  /** Addresses of the jail's network namespace, IPv4 first; loopback left out. */
  ips: string[];
  /** Root directory of the jail's init; `?` when the caller may not read it; null when the source cannot tell. */
  path: string | null;
}

/**
 * The live source reads /proc/PID/net and /proc/PID/root; a snapshot reads what `pdbg snapshot`
 * recorded.
 */
export interface JailDetailSource {
  jailDetails(jid: number | null, hostname: string, firstPid: number): JailDetails;
}

/** What a live source offers the exit guard: write the bytes back and detach, synchronously. */
export interface SyncRelease {
  /**
   * Writes `restore` into `pid` (and into each of `alsoInto`: held fork children), then detaches
   * every target. `leaveStopped`: detach into a job-control stop (SIGSTOP queued first), as
   * one-shot commands promise.
   */
  releaseSync(pid: number, restore: readonly { addr: bigint; original: number }[], leaveStopped?: boolean, alsoInto?: readonly number[]): void;
  /** Sends a signal now (the exit guard's `leave: running`). */
  signalSync?(pid: number, name: string): void;
}

/** Steps of one thread run by the source itself, until something worth the engine's look (stepLoop). */
export interface StepLoopRequest {
  readonly tid?: number;
  /** Most steps. */
  readonly count: number;
  /** Stop after a step that lands on one of these addresses (the engine's breakpoints). */
  readonly stopAt: readonly bigint[];
}

/**
 * What a step loop did: `done` plain steps completed before the last one; the last step's why
 * line and, when it read them, its registers. `error` when a step or wait failed (the target
 * died): no `last` then. The buffers may be the source's own (the live source reuses them):
 * valid until its next stepLoop.
 */
export interface StepLoopResult {
  readonly done: number;
  readonly last?: { readonly why: Buffer; readonly regs?: Buffer };
  readonly error?: ProcfsErrorLike;
}

/** An error as it crosses the seam: an errno name and one line. */
export interface ProcfsErrorLike {
  readonly code: string;
  readonly message: string;
}

/**
 * A source whose files are the caller's machine's: the host path behind a target's file, for a
 * reader that must open it in place (what a mount on the same machine may hand out).
 */
export interface HostFiles {
  hostPath(pid: number, path: string, ref?: FileRef): Promise<string>;
}

/** Who traces a process, if anyone (Linux's TracerPid), so a release can refuse another tracer's tracee. */
export interface TracerInfo {
  /** null: untraced or unreadable (the ctl write then decides); comm null when its name cannot be read. */
  tracerOf(pid: number): Promise<Tracer | null>;
}

/** Who traces a process: its pid, and its comm when readable and printable. */
export interface Tracer {
  pid: number;
  comm: string | null;
}

/** `pid N is traced by pid M (strace)`: the one wording of attach's and detach's refusals. */
export function tracedByText(pid: number, tracer: Tracer): string {
  return `pid ${pid} is traced by pid ${tracer.pid}${tracer.comm === null ? '' : ` (${tracer.comm})`}`;
}

/**
 * How an engine drives a target through the source, declared (never found by testing for
 * `batch` or `stepLoop`): `per-op`, each node operation on its own (in process, an operation is a
 * call); `step-loop`, in process with the source's own step loop (`stepLoop`), which runs a step
 * and its why and regs in one call; `batched`, each operation costs a round trip: a step or a
 * resume goes as one `batch`, many steps as one `stepLoop`.
 */
export type Transport = 'per-op' | 'step-loop' | 'batched';

/**
 * What a source can do beyond the ProcFs operations, declared rather than probed: a caller
 * takes the member it needs and falls back (or refuses) where it is absent.
 */
export interface SourceCapabilities {
  /** How an engine should drive it (see Transport); absent: `per-op`. */
  readonly transport?: Transport;
  readonly describer?: ProcessDescriber;
  readonly jailDetails?: JailDetailSource;
  readonly syncRelease?: SyncRelease;
  readonly hostFiles?: HostFiles;
  readonly tracer?: TracerInfo;
}

/**
 * What serves the process directories: the one interface everything above `src/procfs/`
 * reads and controls processes through. Backends: live Linux (`/proc` + ptrace) and a plain
 * directory tree (a pdbg snapshot or a real BSD `/proc`). A backend that cannot do a thing
 * (a snapshot asked to `step`) rejects with a ProcfsError (EOPNOTSUPP, EROFS, …); callers never
 * test which backend they have.
 *
 * Writes are async because `ctl wait` blocks until the target stops; reads are async so that a
 * remote or FUSE-backed source fits the same shape.
 */
export interface ProcFs {
  /** What this source offers beyond these operations. */
  readonly capabilities: SourceCapabilities;
  /** Every process id, ascending. */
  pids(): Promise<number[]>;
  /** Thread ids of a process, ascending (just `[pid]` where the backend has no threads). */
  threads(pid: number): Promise<number[]>;
  /** A whole text node, or `length` bytes of `mem` at `offset`. */
  read(pid: number, node: NodeName, opts?: NodeOptions): Promise<Buffer>;
  /**
   * Reads into a caller's buffer (regs every step, mem dumps) so hot loops allocate nothing.
   * Resolves to the byte count.
   */
  readInto(pid: number, node: NodeName, into: Uint8Array, opts?: NodeOptions): Promise<number>;
  /** Writes a node; resolves when the write's effect is done (for `ctl wait`: the target stopped). */
  write(pid: number, node: NodeName, data: string | Uint8Array, opts?: NodeOptions): Promise<number>;
  /**
   * `length` bytes at `offset` (default: the whole file) of a file as the target sees it (see
   * FileRef). ENOENT, EACCES as the file gives them; EOPNOTSUPP where the source has no files (a
   * tree). Never a file of the machine the caller runs on unless that is the source's machine.
   */
  readFile(pid: number, path: string, opts?: FileRef & { offset?: number; length?: number }): Promise<Buffer>;
  /** The identity and size of such a file (for caching parsed images across processes). */
  statFile(pid: number, path: string, ref?: FileRef): Promise<FileIdentity>;
  /**
   * Opens such a file for ranged reads, by `opts`' rule: what the symbol loader, the debug-file
   * search and the unwinder read through, so none of them opens a path itself. A regular file
   * only (EINVAL for a FIFO, device or socket, refused before it is opened), ELOOP for a link
   * where `follow` is false, EFBIG past `maxSize`; EOPNOTSUPP where the source has no files.
   */
  openFile(pid: number, path: string, opts?: OpenFileOptions): Promise<RangedFile>;
  /**
   * Starts `argv` stopped before its exec (spec §3: it stops itself with SIGSTOP; `ctl attach`
   * then `run` takes it to the exec stop) and resolves with its pid; it is not the caller's child.
   * EOPNOTSUPP where the source cannot start programs.
   */
  spawn(argv: readonly string[], opts?: SpawnOptions): Promise<number>;
  /**
   * Optional: runs `ops` in order, as if each were awaited before the next; after the first
   * failure the rest are not run and fail with the same error. Lets a remote source send a
   * step (step, wait, why, regs) as one round trip; callers use `runBatch` (batch.ts), which
   * runs the ops one by one where a source has no `batch`.
   */
  batch?(ops: readonly BatchOp[]): Promise<BatchResult[]>;
  /**
   * Optional: steps thread `tid` up to `count` times where the target is, stopping after a step
   * that is not a plain step (a signal, an exit, an event), that lands on `stopAt`, or when an
   * interrupt comes; one request however many steps (a remote source's step costs a round trip
   * otherwise). Without it the engine steps one by one.
   */
  stepLoop?(pid: number, req: StepLoopRequest): Promise<StepLoopResult>;
  /** Releases what the source holds (traced targets are detached, fds closed). */
  close(): Promise<void>;
}
