/**
 * The process-exit guard: whatever way pdbg ends (normal exit, Ctrl-C, SIGTERM, SIGHUP, an
 * uncaught exception or rejection), every registered session lifts its breakpoint bytes and
 * releases its target, which then runs on unchanged. A target must never be left with a 0xCC
 * in its text or in a ptrace stop nobody will end.
 *
 * Signals and fatal errors first try the session's own release (it can also put back the pc of
 * a thread that hit a breakpoint in the last instant), bounded by a timeout; then, and always
 * on 'exit' (where nothing asynchronous runs), the synchronous fallback.
 *
 * Handlers are installed while at least one session is registered, so a pdbg that traces
 * nothing keeps Node's default behaviour.
 */

export interface Releasable {
  /** The orderly release: interrupt if running, restore bytes, detach. */
  release(): Promise<void>;
  /** Lifts breakpoints and detaches, synchronously (it runs inside 'exit'). Must not throw. */
  releaseSync(): void;
}

const live = new Set<Releasable>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type GuardSignal = (typeof SIGNALS)[number];
const SIGNO: Record<GuardSignal, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
/** An orderly release that takes longer than this (a target that will not stop) is cut short. */
const RELEASE_TIMEOUT_MS = 3000;

let installed = false;
let dying = false;
/** A client (the TUI, a script) may take Ctrl-C for itself, e.g. to interrupt the target. */
let sigintOverride: (() => void) | undefined;

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
  const n = await releaseAll();
  process.stderr.write(`pdbg: ${message}${n ? `; released ${n === 1 ? 'the target' : `${n} targets`}` : ''}\n`);
  process.exit(code);
}

function onExit(): void {
  releaseAllSync();
}

function onSignal(sig: GuardSignal): void {
  if (sig === 'SIGINT' && sigintOverride && !dying) {
    sigintOverride();
    return;
  }
  void die(sig === 'SIGINT' ? 'interrupted' : `terminated by ${sig}`, 128 + SIGNO[sig]);
}

function onFatal(err: unknown): void {
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

/** Registers a session; returns the function that unregisters it. */
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
  sigintOverride = fn;
}

/** How many sessions the guard would release now (tests, diagnostics). */
export function guardedCount(): number {
  return live.size;
}
