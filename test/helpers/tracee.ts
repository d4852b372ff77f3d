import { spawn, type ChildProcess } from 'node:child_process';
import { ProcfsError } from '../../src/procfs/errors.js';
import { killPid, reap, track } from './reaper.js';
import { buildTarget } from './targets.js';

/**
 * Targets for ptrace tests, started through `sh -c 'PROG & echo $!; wait $!'` so that the
 * traced process is NOT a child of the test's Node process: libuv reaps Node's children with
 * waitpid(pid) on SIGCHLD, which would also take their ptrace stops. The shell stays the real
 * parent (and reaps the target), `exited()` reports the target's exit code through it.
 */
export interface Tracee {
  readonly pid: number;
  readonly shell: ChildProcess;
  stdout(): string;
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
  exited(): Promise<number | null>;
  kill(): void;
}

export async function startTracee(name: string, args: string[] = []): Promise<Tracee> {
  return startTraceeAt(buildTarget(name), args, name);
}

/** The same for a program built elsewhere (a test's own copy with a doctored debug link). */
export async function startTraceeAt(path: string, args: string[] = [], name = path): Promise<Tracee> {
  const quoted = [path, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  // The target keeps the test's stderr (fd 3 while the shell runs); the shell's own stderr is
  // /dev/null, so a target killed by a test does not print the shell's `Killed` job report.
  const shell = spawn('sh', ['-c', `exec 3>&2 2>/dev/null; ${quoted} 2>&3 3>&- & echo "pid $!"; wait $!`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  shell.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exit = new Promise<number | null>((res) => shell.on('exit', (code) => res(code)));
  const waitFor = (re: RegExp, ms = 10_000) =>
    new Promise<RegExpMatchArray>((res, rej) => {
      const t0 = Date.now();
      const tick = () => {
        const m = out.match(re);
        if (m) return res(m);
        if (Date.now() - t0 > ms) return rej(new Error(`${name}: no ${re} in ${ms} ms; got ${JSON.stringify(out)}`));
        setTimeout(tick, 5);
      };
      tick();
    });
  const pid = Number((await waitFor(/pid (\d+)\n/))[1]);
  const t: Tracee = {
    pid,
    shell,
    stdout: () => out,
    waitFor,
    exited: () => exit,
    kill() {
      killPid(pid);
      killPid(shell.pid!);
      untrack();
    },
  };
  const untrack = track('tracee', () => t.kill());
  return t;
}

/** Ends every tracee still alive (the reaper's 'tracee' kind). */
export function killAllTracees(): void {
  reap('tracee');
}

/** Awaits a promise that must reject with a ProcfsError; returns the error. */
export async function rejects(p: Promise<unknown>): Promise<ProcfsError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ProcfsError) return e;
    throw e;
  }
  throw new Error('expected a ProcfsError');
}
