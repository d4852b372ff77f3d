/**
 * The process-exit guard of pdbg's applications: whatever way one ends (normal exit, Ctrl-C, any
 * catchable signal whose default would end it, an uncaught exception or rejection), everything
 * registered with it (a session, a server's targets) lifts its breakpoint bytes and releases its
 * target, which then runs on unchanged. A target must never be left with a 0xCC in its text or
 * in a ptrace stop nobody will end.
 *
 * Installed by the applications, never by the engine: the CLI one-shots, the TUI, `pdbg script`
 * and `pdbg trace` hand `guard` to Session.attach/launch (`exitGuard`), the mount and the serve
 * commands register their controllers and agent. A library user or a server holding many
 * sessions gets no process-wide handler it did not ask for.
 *
 * SIGKILL cannot be caught (nor can it be for gdb): the kernel detaches every tracee of a
 * killed tracer, so the target runs on, but with whatever int3 bytes were planted; SIGSTOP
 * (Ctrl-Z) suspends pdbg with its target in trace-stop until pdbg is continued.
 *
 * Signals and fatal errors first try the registrant's own release (it can also put back the pc
 * of a thread that hit a breakpoint in the last instant), bounded by a timeout; then, and always
 * on 'exit' (where nothing asynchronous runs), the synchronous fallback.
 *
 * Handlers are installed while at least one registrant is, so a pdbg that traces nothing keeps
 * Node's default behaviour.
 */
import { constants as osConstants } from 'node:os';

export interface Releasable {
  /** The orderly release: interrupt if running, restore bytes, detach. */
  release(): Promise<void>;
  /** Lifts breakpoints and detaches, synchronously (it runs inside 'exit'). Must not throw. */
  releaseSync(): void;
  /** How the release leaves the target, for the closing line: `left stopped`, `running`. */
  readonly leaves?: string;
}

const live = new Set<Releasable>();
/**
 * Every signal whose default action would end Node at once, but for the synchronous faults
 * (SIGSEGV, SIGBUS, SIGILL, SIGFPE: a JS handler cannot run before the fault repeats).
 * SIGPIPE is ignored by Node and SIGUSR1 starts its inspector: neither ends pdbg.
 */
const ALL_SIGNALS = [
  'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR2', 'SIGALRM', 'SIGVTALRM', 'SIGPROF',
  'SIGXCPU', 'SIGXFSZ', 'SIGIO', 'SIGPWR', 'SIGSTKFLT', 'SIGSYS', 'SIGTRAP', 'SIGABRT',
] as const;
type GuardSignal = (typeof ALL_SIGNALS)[number];

/**
 * V8's sampling profilers (`node --cpu-prof`, `--prof`) tick on SIGPROF: a JS handler for it
 * replaces V8's own, and the first sample would end pdbg as a fatal signal. A profiled pdbg
 * leaves SIGPROF to V8 (an unprofiled one guards it like the others).
 */
export function profilerFlags(execArgv: readonly string[], nodeOptions = ''): boolean {
  return [...execArgv, ...nodeOptions.split(/\s+/)].some((a) => /^--(cpu-)?prof(=|$)/.test(a));
}

const SIGNALS: readonly GuardSignal[] = profilerFlags(process.execArgv, process.env.NODE_OPTIONS)
  ? ALL_SIGNALS.filter((s) => s !== 'SIGPROF')
  : ALL_SIGNALS;
/** An orderly release that takes longer than this (a target that will not stop) is cut short. */
const RELEASE_TIMEOUT_MS = 3000;

let installed = false;
let dying = false;

/**
 * A client may take a signal for itself: the TUI takes Ctrl-C to interrupt the target, `pdbg
 * trace` takes Ctrl-C, SIGTERM and SIGHUP to end its trace and release the target its own way.
 */
export type TakeableSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';
const overrides = new Map<GuardSignal, () => void>();

function releaseAllSync(): number {
  let n = 0;
  for (const r of [...live]) {
    live.delete(r);
    try {
      r.releaseSync();
      n++;
    } catch {
      // Nothing useful to do while dying; the next target still gets released.
    }
  }
  return n;
}

async function releaseAll(): Promise<number> {
  let n = 0;
  for (const r of [...live]) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((res) => (timer = setTimeout(() => res('timeout'), RELEASE_TIMEOUT_MS)));
    try {
      const how = await Promise.race([r.release().then(() => 'ok' as const), timeout]);
      if (how === 'ok') {
        live.delete(r);
        n++;
      }
    } catch {
      // Falls through to the synchronous release below.
    } finally {
      clearTimeout(timer);
    }
  }
  return n + releaseAllSync();
}

/** Ends pdbg after releasing everything: one line on stderr, then `code`. */
async function die(message: string, code: number): Promise<void> {
  if (dying) {
    // A second signal while releasing: stop being polite.
    releaseAllSync();
    process.exit(code);
  }
  dying = true;
  // The commands in flight end quietly once they see `isDying()`; this keeps Node alive until
  // the release below is done and its line is written.
  setInterval(() => undefined, 1 << 30);
  const hows = new Set([...live].map((r) => r.leaves).filter(Boolean));
  const n = await releaseAll();
  const how = hows.size === 1 ? [...hows][0] : undefined;
  process.stderr.write(`pdbg: ${message}${n ? `; released ${n === 1 ? 'the target' : `${n} targets`}${how ? ` (${how})` : ''}` : ''}\n`);
  process.exit(code);
}

function onExit(): void {
  releaseAllSync();
}

function onSignal(sig: GuardSignal): void {
  const override = overrides.get(sig);
  if (override && !dying) {
    override();
    return;
  }
  void die(sig === 'SIGINT' ? 'interrupted' : `terminated by ${sig}`, 128 + (osConstants.signals[sig] ?? 0));
}

/** An application that ends its own way on a fatal error (the mount unmounts first). */
let fatalOverride: ((err: unknown) => void) | undefined;

function onFatal(err: unknown): void {
  if (fatalOverride && !dying) {
    fatalOverride(err);
    return;
  }
  const e = err as Error;
  if (process.env.PDBG_DEBUG && e?.stack) process.stderr.write(e.stack + '\n');
  void die(`internal error: ${e?.message ?? String(err)}`, 70);
}

const signalHandlers = new Map<GuardSignal, () => void>(SIGNALS.map((s) => [s, () => onSignal(s)]));

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', onExit);
  for (const [s, h] of signalHandlers) process.on(s, h);
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
}

function uninstall(): void {
  if (!installed || dying) return;
  installed = false;
  process.off('exit', onExit);
  for (const [s, h] of signalHandlers) process.off(s, h);
  process.off('uncaughtException', onFatal);
  process.off('unhandledRejection', onFatal);
}

/** Registers a session (or a server's targets); returns the function that unregisters it. */
export function guard(r: Releasable): () => void {
  live.add(r);
  install();
  return () => {
    live.delete(r);
    if (live.size === 0) uninstall();
  };
}

/** Routes SIGINT to `fn` instead of release-and-exit (undefined restores the default). */
export function onInterrupt(fn: (() => void) | undefined): void {
  takeSignal('SIGINT', fn);
}

/**
 * Routes `sig` to `fn` instead of release-and-exit (undefined restores the default). The
 * guard's handlers are installed only while a session is registered: take a signal after the
 * attach.
 */
export function takeSignal(sig: TakeableSignal, fn: (() => void) | undefined): void {
  if (fn) overrides.set(sig, fn);
  else overrides.delete(sig);
}

/**
 * Routes an uncaught exception or rejection to `fn` instead of release-and-exit (undefined
 * restores the default): a server that ends in order (unmount, then release) on one.
 */
export function takeFatal(fn: ((err: unknown) => void) | undefined): void {
  fatalOverride = fn;
}

/** True once a signal or a fatal error is ending pdbg: commands in flight stop quietly. */
export function isDying(): boolean {
  return dying;
}

/** How many sessions the guard would release now (tests, diagnostics). */
export function guardedCount(): number {
  return live.size;
}
