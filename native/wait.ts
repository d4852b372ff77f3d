/**
 * Waiting for tracees without stealing anybody else's children.
 *
 * Node (libuv) reaps the children it spawned with waitpid(pid, WNOHANG) on SIGCHLD; a
 * waitpid(-1) here would take their exit statuses and their 'exit' events would never fire.
 * So pdbg only ever consumes events of tids it traces, and for the leader of a process that
 * is ALSO our real child it peeks at an exit with WNOWAIT and leaves the zombie to libuv.
 *
 * The blocking wait runs on a koffi worker thread (Linux lets any thread of the tracer's
 * process wait for its tracees): waitid(P_ALL, WEXITED|__WALL|WNOWAIT) sleeps until any child
 * has something to report (ptrace stops are reported without WSTOPPED; job-control stops of
 * untraced children are not, so they cannot wake it forever) and consumes nothing; the main
 * thread then polls its own tids. A PTRACE_INTERRUPT from the main thread wakes it.
 */
import { errnoError, lastErrno, libc } from './libc.js';

export const WNOHANG = 1;
export const WSTOPPED = 2;
export const WEXITED = 4;
export const WNOWAIT = 0x01000000;
export const __WALL = 0x40000000;
const P_ALL = 0;
const P_PID = 1;

export const CLD_EXITED = 1;
export const CLD_KILLED = 2;
export const CLD_DUMPED = 3;
export const CLD_TRAPPED = 4;
export const CLD_STOPPED = 5;

const ECHILD = 10;
const EINTR = 4;

type WaitidFn = ((idtype: number, id: number, info: Int32Array, options: number) => number) & {
  async: (idtype: number, id: number, info: Int32Array, options: number, cb: (err: unknown, res: number) => void) => void;
};
const waitidFn = libc.func('int waitid(int idtype, uint32_t id, void *infop, int options)') as WaitidFn;
const waitpidFn = libc.func('int waitpid(int pid, void *status, int options)') as (pid: number, status: Int32Array, options: number) => number;

// siginfo_t for SIGCHLD, as int32 slots: si_code @8, si_pid @16, si_status @24.
const SI_CODE = 2;
const SI_PID = 4;
const SI_STATUS = 6;

/** What a poll found: nothing yet, the tid is not waitable by us (gone, reaped, not ours), or a status. */
export const NOTHING = -1;
export const GONE = -2;

const info = new Int32Array(32);
const statusBuf = new Int32Array(1);

/** A classic wait(2) status word from a waitid siginfo. */
function statusFromInfo(si: Int32Array): number {
  const st = si[SI_STATUS]!;
  switch (si[SI_CODE]) {
    case CLD_EXITED: return (st & 0xff) << 8;
    case CLD_KILLED: return st & 0x7f;
    case CLD_DUMPED: return (st & 0x7f) | 0x80;
    default: return ((st & 0xffff) << 8) | 0x7f; // trapped/stopped: (event << 16) | (sig << 8) | 0x7f
  }
}

/**
 * Consumes one pending event of `tid` without blocking; NOTHING if none, GONE on ECHILD.
 * `keepZombie`: the tid is the leader of our own child: an exit is reported but left unreaped.
 */
export function pollTid(tid: number, keepZombie: boolean): number {
  if (!keepZombie) {
    let r: number;
    do r = waitpidFn(tid, statusBuf, WNOHANG | __WALL);
    while (r === -1 && lastErrno() === EINTR);
    if (r === 0) return NOTHING;
    if (r === -1) {
      if (lastErrno() === ECHILD) return GONE;
      throw errnoError(`waitpid ${tid}`, undefined, tid);
    }
    return statusBuf[0]!;
  }
  info[SI_PID] = 0;
  let r: number;
  do r = waitidFn(P_PID, tid, info, WEXITED | WSTOPPED | WNOHANG | WNOWAIT | __WALL);
  while (r === -1 && lastErrno() === EINTR);
  if (r === -1) {
    if (lastErrno() === ECHILD) return GONE;
    throw errnoError(`waitid ${tid}`, undefined, tid);
  }
  if (info[SI_PID] === 0) return NOTHING;
  const code = info[SI_CODE];
  if (code === CLD_EXITED || code === CLD_KILLED || code === CLD_DUMPED) return statusFromInfo(info);
  return pollTid(tid, false);
}

export const WIFEXITED = (s: number): boolean => (s & 0x7f) === 0;
export const WEXITSTATUS = (s: number): number => (s >> 8) & 0xff;
export const WIFSIGNALED = (s: number): boolean => (s & 0x7f) !== 0 && (s & 0x7f) !== 0x7f;
export const WTERMSIG = (s: number): number => s & 0x7f;
export const WIFSTOPPED = (s: number): boolean => (s & 0xff) === 0x7f;
export const WSTOPSIG = (s: number): number => (s >> 8) & 0xff;
/** The PTRACE_EVENT_* of a ptrace stop, 0 for a signal-delivery stop. */
export const WPTRACEEVENT = (s: number): number => (s >>> 16) & 0xff;

const anyInfo = new Int32Array(32);
let anyPending: Promise<number> | null = null;

const exitNow = libc.func('void _exit(int status)') as (status: number) => void;

/**
 * Node's exit joins the libuv thread pool, and a worker parked in waitid(P_ALL) after the last
 * tracee was released (detached by the exit guard, say) is never woken: the kernel sleeps a
 * waiter until some child changes state. The process would hang in its exit. So while such a
 * wait is pending, the last 'exit' listener ends the process with _exit(2): every other
 * listener (breakpoint bytes written back, targets released) has run by then, and stdout and
 * stderr are synchronous on Linux.
 */
function exitWithoutJoin(code: number): void {
  if (anyPending) exitNow(typeof code === 'number' ? code : Number(process.exitCode ?? 0));
}

function keepExitHookLast(): void {
  process.removeListener('exit', exitWithoutJoin);
  process.on('exit', exitWithoutJoin);
}

/**
 * Resolves with the pid of some child that has an event (nothing is consumed), or -errno
 * (-ECHILD when we have no children at all). One worker call at a time, shared by all callers:
 * a blocked libuv pool thread is precious.
 */
export function waitAnyAsync(): Promise<number> {
  if (anyPending) return anyPending;
  keepExitHookLast();
  anyPending = new Promise<number>((resolve) => {
    anyInfo[SI_PID] = 0;
    waitidFn.async(P_ALL, 0, anyInfo, WEXITED | WNOWAIT | __WALL, (err, r) => {
      anyPending = null;
      if (err) resolve(-EINTR);
      else resolve(r === -1 ? -lastErrno() : anyInfo[SI_PID]!);
    });
  });
  return anyPending;
}

const schedYield = libc.func('int sched_yield(void)') as () => number;
/** Gives the CPU away between polls, so a spinning tracer does not starve its tracee on a busy machine. */
export function yieldCpu(): void {
  schedYield();
}
