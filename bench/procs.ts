import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';

/**
 * Every process the bench starts goes through here, so one call (and the exit hooks) ends them
 * all. Groups are killed whole: the listing row's 2,000 sleepers share one process group.
 */
const started = new Set<ChildProcess>();
const groups = new Set<number>();

export function track(child: ChildProcess, ownGroup = false): ChildProcess {
  started.add(child);
  if (ownGroup && child.pid) groups.add(child.pid);
  child.on('exit', () => started.delete(child));
  return child;
}

export function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    /* already gone */
  }
  groups.delete(pgid);
}

/** SIGKILL to everything still alive that the bench started (traced or not: KILL always works). */
export function killAllStarted(): void {
  for (const g of [...groups]) killGroup(g);
  for (const c of started) {
    try {
      c.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
}

let hooked = false;

/** Ends every started process when the bench exits, however it exits. */
export function installCleanup(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAllStarted);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      killAllStarted();
      process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    });
  }
}

export interface Timed {
  seconds: number;
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to its end and times it from spawn to exit (the whole process: start-up
 * included). Synchronous, so no event-loop latency lands in the number and both sides of a
 * pair pay the same spawn cost.
 */
export function timeProcess(cmd: string, args: string[], opts: { stdout?: 'ignore' | 'pipe'; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Timed {
  const stdio: StdioOptions = ['ignore', opts.stdout ?? 'pipe', 'pipe'];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, {
    stdio,
    encoding: 'utf8',
    env: opts.env ?? process.env,
    timeout: opts.timeoutMs ?? 120_000,
    killSignal: 'SIGKILL',
    maxBuffer: 64 << 20,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  return { seconds, status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** As timeProcess, but a non-zero exit is an error naming the command and its stderr. */
export function timeOk(cmd: string, args: string[], opts: Parameters<typeof timeProcess>[2] = {}): Timed {
  const r = timeProcess(cmd, args, opts);
  if (r.status !== 0) {
    const lines = r.stderr.trim().split('\n');
    const why = lines.find((l) => /error|pdbg:|usage/i.test(l)) ?? lines[0] ?? '';
    throw new Error(`${[cmd, ...args].join(' ')}: exit ${r.status}${why ? `: ${why}` : ''}`);
  }
  return r;
}

/** Starts a long-lived helper process, tracked. */
export function startTracked(cmd: string, args: string[], opts: { detached?: boolean; stdio?: StdioOptions } = {}): ChildProcess {
  const child = spawn(cmd, args, { stdio: opts.stdio ?? ['ignore', 'pipe', 'inherit'], detached: opts.detached ?? false });
  return track(child, opts.detached ?? false);
}
