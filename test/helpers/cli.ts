import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { trackPid, reap } from './reaper.js';
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


/**
 * `pdbg start --stdout OUT -- TARGET ARGS…` as a user runs it: a compiled test target, stopped at
 * its first instruction; the pid is remembered for killStarted().
 */
export function pdbgStart(name: string, args: string[], out: string): number {
  const r = pdbg(['start', '--stdout', out, '--', buildTarget(name), ...args]);
  const pid = Number(r.stdout.trim());
  if (r.status !== 0 || !/^(pdbg: left stopped at [^\n]*\n)?$/.test(r.stderr) || !Number.isInteger(pid) || pid <= 0) {
    throw new Error(`pdbg start ${name}: status ${r.status}, stderr ${JSON.stringify(r.stderr)}, stdout ${JSON.stringify(r.stdout)}`);
  }
  trackPid(pid, 'cli-started');
  return pid;
}

/** A target started some other way (a shell script's `pdbg start`), killed with the rest. */
export function trackStarted(pid: number): void {
  trackPid(pid, 'cli-started');
}

/** Kills every target pdbgStart() started (afterAll). */
export function killStarted(): void {
  reap('cli-started');
}

/**
 * The shell session both engine suites run (cli-engine: live; mount-engine: `--proc-root MNT`):
 * `pdbg start` the writer target, then step, regs, run --until, mem read and write, regs --set
 * and detach through `pdbg GLOBALS…`, each a process of its own. Its stdout and the target's pid.
 */
export function driveWriterByShell(dir: string, globals: string[] = []): { stdout: string; pid: number; out: string } {
  const writer = buildTarget('writer');
  const out = join(dir, `writer-${globals.length ? 'via' : 'live'}.out`);
  const script = join(dir, 'drive.sh');
  writeFileSync(
    script,
    `set -eu
P="${process.execPath} ${pdbgBin}"
M="$P ${globals.join(' ')}"
pid=$($P start --stdout ${out} -- ${writer})
echo $pid > ${out}.pid
echo "pid $pid"
$M step $pid -n 3
$M regs $pid | grep '^rip'
$M run $pid --until checkpoint
$M mem $pid value 8
$M mem $pid value --write 0700000000000000
$M run $pid --until get_value
# push rbp; mov rbp,rsp; mov rax,[value]; pop rbp: now at ret, rax holds the value
$M step $pid -n 4
$M regs $pid --set rax=99 | grep '^rax'
$M detach $pid
`,
  );
  let stdout: string;
  try {
    // stderr captured: on failure execFileSync's error carries it; on success there is none to show.
    stdout = execFileSync('bash', [script], { encoding: 'utf8', timeout: 110_000, stdio: ['ignore', 'pipe', 'pipe'] });
  } finally {
    try {
      trackStarted(Number(readFileSync(`${out}.pid`, 'utf8')));
    } catch {
      /* never started */
    }
  }
  return { stdout, pid: Number(/^pid (\d+)/.exec(stdout)![1]), out };
}
