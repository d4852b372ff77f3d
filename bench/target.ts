import { buildC } from './build.js';
import { startTracked } from './procs.js';

export type HotMode = 'step' | 'break' | 'mem';

/** A running bench/c/hot.c: its pid and the address its mode cares about. */
export interface HotTarget {
  pid: number;
  /** `&counter` (step), `hot_fn` (break), the 64 MiB buffer (mem). */
  addr: bigint;
  /** Bytes at addr (mem mode), else 0. */
  size: number;
}

/**
 * Runs `fn` against a fresh hot target and always ends it.
 *
 * The target is a grandchild, started by `sh -c 'hot MODE & wait'`: a process Node spawned
 * itself must never be traced by this same process, because libuv's SIGCHLD handler calls
 * waitpid(child) and would swallow the ptrace stops (waitpid reports stops of traced children
 * even without WUNTRACED) and then report the child as exited.
 */
export async function withHot<T>(mode: HotMode, fn: (t: HotTarget) => Promise<T>): Promise<T> {
  const bin = buildC('hot');
  const sh = startTracked('sh', ['-c', '"$0" "$1" & wait', bin, mode], { detached: true });
  try {
    const line = await firstLine(sh.stdout!, 10_000);
    const [m, pid, addr, size] = line.trim().split(' ');
    if (m !== mode || !pid || !addr) throw new Error(`hot ${mode}: unexpected first line ${JSON.stringify(line)}`);
    return await fn({ pid: Number(pid), addr: BigInt(addr), size: Number(size ?? 0) });
  } finally {
    try {
      process.kill(-sh.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
    if (sh.exitCode === null && sh.signalCode === null) await new Promise((res) => sh.once('exit', res));
  }
}

function firstLine(stream: NodeJS.ReadableStream, ms: number): Promise<string> {
  return new Promise((res, rej) => {
    let buf = '';
    const timer = setTimeout(() => rej(new Error(`hot target: no output in ${ms} ms`)), ms);
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        res(buf.slice(0, nl));
      }
    });
    stream.on('end', () => {
      clearTimeout(timer);
      rej(new Error(`hot target: exited before it was ready`));
    });
  });
}
