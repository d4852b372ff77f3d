import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { buildTarget, repoRoot } from './targets.js';

export const pdbgBin = join(repoRoot, 'bin/pdbg.js');

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `pdbg ARGS…` as its own process (the built dist/, as a user runs it). */
export function pdbg(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, [pdbgBin, ...args], {
    encoding: 'utf8',
    input: opts.input,
    env: { ...process.env, ...opts.env },
    timeout: opts.timeout ?? 30_000,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** The same, without blocking the test's event loop (for commands that run while we act). */
export function pdbgAsync(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}) {
  const child = spawn(process.execPath, [pdbgBin, ...args], { env: { ...process.env, ...opts.env } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<CliResult>((res) =>
    child.on('exit', (status, signal) => res({ status, signal, stdout, stderr })),
  );
  return { child, done, stdout: () => stdout, stderr: () => stderr };
}

/** One line on stderr, no stack trace, non-zero status: the contract for every bad input. */
export function isCleanError(r: CliResult): boolean {
  const lines = r.stderr.trim().split('\n');
  return r.status !== 0 && r.status !== null && lines.length === 1 && /^pdbg: /.test(lines[0]!) && !/\n\s+at /.test(r.stderr);
}

const startedByCli: number[] = [];

/**
 * `pdbg start --stdout OUT -- TARGET ARGS…` as a user runs it: a compiled test target, stopped at
 * its first instruction; the pid is remembered for killStarted().
 */
export function pdbgStart(name: string, args: string[], out: string): number {
  const r = pdbg(['start', '--stdout', out, '--', buildTarget(name), ...args]);
  const pid = Number(r.stdout.trim());
  if (r.status !== 0 || r.stderr !== '' || !Number.isInteger(pid) || pid <= 0) {
    throw new Error(`pdbg start ${name}: status ${r.status}, stderr ${JSON.stringify(r.stderr)}, stdout ${JSON.stringify(r.stdout)}`);
  }
  startedByCli.push(pid);
  return pid;
}

/** A target started some other way (a shell script's `pdbg start`), killed with the rest. */
export function trackStarted(pid: number): void {
  startedByCli.push(pid);
}

/** Kills every target pdbgStart() started (afterAll). */
export function killStarted(): void {
  for (const pid of startedByCli.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}
