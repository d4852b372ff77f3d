/**
 * Starting a program for debugging. Node cannot fork and PTRACE_TRACEME, so pdbg follows the BSD
 * procfs protocol (spec §3): the child stops itself with SIGSTOP before it execs, the debugger
 * attaches and lets it exec, and the exec event leaves it at the first instruction of its image.
 *
 * The child goes through `setsid -f`, which forks and exits at once: the target is then NOT a
 * child of pdbg. That matters: libuv reaps its children with waitpid() on SIGCHLD, and for a
 * traced child that call would swallow ptrace stops meant for the tracer. setsid also gives the
 * target its own session and process group, so a Ctrl-C at pdbg's terminal is not the target's
 * and `notepg` reaches the target's group alone. The stopper shell prints its pid on fd 3.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { ProcfsError } from '../../errors.js';
import type { SpawnOptions, StdioTarget } from '../../source.js';


const STOPPER = 'echo $$ >&3; exec 3>&-; kill -STOP $$; exec "$0" "$@"';

/** Spawns `argv` through the stopper; resolves with its pid once it is on its way to SIGSTOP. */
export async function spawnStopped(argv: readonly string[], opts: SpawnOptions = {}): Promise<number> {
  if (argv.length === 0) throw new ProcfsError('EINVAL', 'nothing to start: give a command');
  const opened: number[] = [];
  // stdout and stderr to the same file share one open file, so their writes interleave.
  const byPath = new Map<string, number>();
  const fd = (t: StdioTarget | undefined, write: boolean): 'inherit' | 'ignore' | number => {
    if (t === undefined || t === 'inherit' || t === 'ignore') return t ?? 'inherit';
    const key = `${write ? 'w' : 'r'}:${t}`;
    const had = byPath.get(key);
    if (had !== undefined) return had;
    let n: number;
    try {
      n = openSync(t, write ? 'w' : 'r');
    } catch (err) {
      throw new ProcfsError((err as NodeJS.ErrnoException).code ?? 'EIO', `cannot open ${t}: ${(err as Error).message}`);
    }
    opened.push(n);
    byPath.set(key, n);
    return n;
  };
  try {
    const child = spawn('setsid', ['-f', '/bin/sh', '-c', STOPPER, ...argv], {
      stdio: [fd(opts.stdin, false), fd(opts.stdout, true), fd(opts.stderr, true), 'pipe'],
      cwd: opts.cwd,
      env: opts.env ? { ...opts.env } : process.env,
    });
    const pipe = child.stdio[3] as NodeJS.ReadableStream;
    let text = '';
    pipe.setEncoding('utf8');
    pipe.on('data', (d: string) => (text += d));
    const [ended] = await Promise.all([
      new Promise<void>((res) => pipe.on('end', () => res())),
      new Promise<void>((res, rej) => {
        child.on('error', (e) => rej(new ProcfsError('ENOENT', `cannot run setsid: ${e.message}`)));
        child.on('exit', () => res());
      }),
    ]);
    void ended;
    const pid = Number(text.trim());
    if (!Number.isInteger(pid) || pid <= 0) throw new ProcfsError('EIO', `cannot start ${argv[0]}: the stopper gave no pid`);
    return pid;
  } finally {
    for (const n of opened) closeSync(n);
  }
}
