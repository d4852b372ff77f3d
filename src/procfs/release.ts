/**
 * The one way a traced target is let go: our int3 bytes put back, a thread stopped just past one
 * of them rewound onto the instruction (it never ran), a signal stopped on queued again, then
 * `detach`. It stands on the seam and the architecture only, so every releaser uses it: the
 * engine's Session (its own breakpoints), the agent and the mount (the bytes a client that
 * vanished left, from their journal, release-journal.ts), and the exit-time fallbacks (the
 * synchronous release a live source offers).
 *
 * A server releasing for a client that vanished bounds every call: a target that will not
 * answer (D state) must not hold the release for ever.
 */
import { isBreakpointAt, trapAddress } from '../arch/arch.js';
import { HOST_ARCH } from '../arch/host.js';
import type { ProcFs } from './source.js';
import { parseWhy } from './why.js';

/** One breakpoint byte to put back: its address and the byte it replaced. */
export interface Restore {
  readonly addr: bigint;
  readonly original: number;
}

/**
 * How a released target goes on. `as-is` (BSD's detach): it runs, but a job-control stop it was
 * in when attached stays. `running`: also SIGCONT. `stopped`: left in a job-control stop.
 */
export type Leave = 'as-is' | 'running' | 'stopped';

/** Faults are never queued again: the faulting instruction runs again and raises it afresh. */
const FAULTS = new Set(['segv', 'bus', 'ill', 'fpe', 'trap']);

/** `p`, or undefined once `ms` have passed. */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<undefined>((res) => (timer = setTimeout(() => res(undefined), ms)))]).finally(() => clearTimeout(timer));
}

/** A release on behalf of a client that is gone: what it may have left, and how long each call may take. */
export interface ForClient {
  /** Bound on each operation. */
  readonly ms: number;
  /** The target may be running with the bytes in: stop it (interrupt, wait) before they go back. */
  readonly stopFirst?: boolean;
  /**
   * The pc of `tid` is the client's own since the stop (it wrote the registers: a rewind, an
   * emulated one-byte instruction), not a trap's: left alone.
   */
  readonly pcIsClients?: (tid: number) => boolean;
  /** Bound on the detach (default `ms`); `false`: no detach (the client had detached). */
  readonly detachMs?: number | false;
}

export interface ReleaseOptions {
  /** Our int3 bytes and what they replaced. */
  readonly restore: readonly Restore[];
  readonly leave?: Leave;
  /** A signal the target stopped on and nobody passed yet: queued again so it is not lost (not a fault). */
  readonly redeliver?: string;
  /** Absent: the releaser knows the target stopped and its bytes exactly (the engine); errors propagate. */
  readonly forClient?: ForClient;
}

/** Puts the bytes back and detaches `pid` (see the file's comment). */
export async function releaseTarget(fs: ProcFs, pid: number, opts: ReleaseOptions): Promise<void> {
  const fc = opts.forClient;
  if (!fc) {
    // The engine's own: the target is stopped and every pc at an instruction boundary (the
    // engine rewound its hits as it took them).
    for (const { addr, original } of opts.restore) await fs.write(pid, 'mem', Uint8Array.of(original), { offset: addr });
    if (opts.redeliver && !FAULTS.has(opts.redeliver)) await fs.write(pid, 'note', opts.redeliver);
    // `detach` leaves it as found: a job-control stop it was in at attach stays (BSD).
    await fs.write(pid, 'ctl', opts.leave === 'stopped' ? 'detach-stopped' : 'detach');
    if (opts.leave === 'running') await fs.write(pid, 'note', 'cont');
    return;
  }
  const bounded = <T>(p: Promise<T>, ms = fc.ms) => withTimeout(p.catch(() => undefined), ms);
  if (opts.restore.length > 0) {
    // A target left running with its bytes in: stopped first, so no thread runs into one meanwhile.
    if (fc.stopFirst) {
      await bounded(fs.write(pid, 'ctl', 'interrupt'));
      await bounded(fs.write(pid, 'ctl', 'wait'));
    }
    await rewindPastTrap(fs, pid, opts.restore, fc);
    for (const r of await stillPlanted(fs, pid, opts.restore, fc.ms)) await bounded(fs.write(pid, 'mem', Uint8Array.of(r.original), { offset: r.addr }));
  }
  if (fc.detachMs !== false) await bounded(fs.write(pid, 'ctl', 'detach'), fc.detachMs ?? fc.ms);
}

/**
 * A thread stopped just past one of `restore`'s int3 bytes (a hit the client never saw, or saw
 * and did not handle) gets its pc back on the instruction, which never ran. A pc the client put
 * there itself (`pcIsClients`) or moved on from is left alone.
 */
export async function rewindPastTrap(fs: ProcFs, pid: number, restore: readonly Restore[], fc: ForClient): Promise<void> {
  if (restore.length === 0) return;
  const line = await withTimeout(fs.read(pid, 'why').catch(() => undefined), fc.ms);
  let why;
  try {
    why = line && parseWhy(line.toString('latin1'));
  } catch {
    return;
  }
  if (!why || why.state !== 'stopped' || why.reason !== 'trap') return;
  const { tid, addr: after } = why;
  const at = trapAddress(HOST_ARCH, after);
  if (!restore.some((r) => r.addr === at) || fc.pcIsClients?.(tid)) return;
  const regs = Buffer.alloc(HOST_ARCH.userRegsSize);
  const n = await withTimeout(fs.readInto(pid, 'regs', regs, { tid }).catch(() => 0), fc.ms);
  if (n !== HOST_ARCH.userRegsSize || regs.readBigUInt64LE(HOST_ARCH.pcOffset) !== after) return;
  regs.writeBigUInt64LE(at, HOST_ARCH.pcOffset);
  await withTimeout(fs.write(pid, 'regs', regs, { tid }).catch(() => undefined), fc.ms);
}

/** The restores whose byte is still an int3 (where the byte can be read at all). */
export async function stillPlanted(fs: ProcFs, pid: number, list: readonly Restore[], ms: number): Promise<Restore[]> {
  const out: Restore[] = [];
  for (const r of list) {
    const b = await withTimeout(fs.read(pid, 'mem', { offset: r.addr, length: 1 }).catch(() => undefined), ms);
    if (b && b.length === 1 && !isBreakpointAt(HOST_ARCH, b)) continue;
    out.push(r);
  }
  return out;
}

/**
 * The exit-time fallback (inside 'exit' nothing asynchronous runs): the bytes back and the
 * detach, synchronously, where the source can (a live one); never throws. `alsoInto`: other
 * processes holding the same bytes (held fork children), written before anything is detached.
 * False where the source has no synchronous release (nothing of ours is traced there).
 */
export function releaseSync(fs: ProcFs, pid: number, restore: readonly Restore[], leave: Leave = 'as-is', alsoInto: readonly number[] = []): boolean {
  const sync = fs.capabilities.syncRelease;
  if (!sync) return false;
  try {
    sync.releaseSync(pid, restore, leave === 'stopped', alsoInto);
    if (leave === 'running') sync.signalSync?.(pid, 'cont');
  } catch {
    // Dying anyway: the next target still gets its release.
  }
  return true;
}

/**
 * releaseSync of several processes at once (a server's clients' targets). LinuxProcFs detaches
 * every target in its first releaseSync, so the bytes of all go in first: the others through
 * `alsoInto` when they hold the same bytes (a fork child), else one by one.
 */
export function releaseAllSync(fs: ProcFs, byPid: ReadonlyMap<number, readonly Restore[]>): boolean {
  const [first, ...rest] = byPid.keys();
  if (first === undefined) return fs.capabilities.syncRelease !== undefined;
  const list = byPid.get(first)!;
  if (rest.every((p) => sameRestores(byPid.get(p)!, list))) return releaseSync(fs, first, list, 'as-is', rest);
  let ok = true;
  for (const [p, l] of byPid) ok = releaseSync(fs, p, l) && ok;
  return ok;
}

function sameRestores(a: readonly Restore[], b: readonly Restore[]): boolean {
  if (a.length !== b.length) return false;
  const m = new Map(a.map((r) => [r.addr, r.original]));
  return b.every((r) => m.get(r.addr) === r.original);
}
