import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
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

/** A running bench/c/deep.c, blocked in clock_nanosleep DEPTH calls below main. */
export interface DeepTarget {
  pid: number;
}

const SYS_CLOCK_NANOSLEEP = 230;

/**
 * Runs `fn` against a fresh bench/c/deep.c (started as withHot starts hot, as a grandchild) once
 * it is blocked in clock_nanosleep (/proc/PID/syscall), so a stop has the whole deep stack and
 * not a frame of printf; always ends it.
 */
export async function withDeep<T>(depth: number, fn: (t: DeepTarget) => Promise<T>): Promise<T> {
  const bin = buildC('deep');
  const sh = startTracked('sh', ['-c', '"$0" "$1" & wait', bin, String(depth)], { detached: true });
  try {
    const line = await firstLine(sh.stdout!, 10_000);
    const [m, pidText] = line.trim().split(' ');
    const pid = Number(pidText);
    if (m !== 'deep' || !Number.isInteger(pid) || pid <= 0) throw new Error(`deep: unexpected first line ${JSON.stringify(line)}`);
    for (let i = 0; ; i++) {
      let nr = '';
      try {
        nr = readFileSync(`/proc/${pid}/syscall`, 'utf8').split(' ')[0]!;
      } catch {
        /* not readable yet */
      }
      if (nr === String(SYS_CLOCK_NANOSLEEP)) break;
      if (i >= 500) throw new Error(`deep ${pid}: not blocked in clock_nanosleep after 5 s (syscall ${JSON.stringify(nr)})`);
      await sleep(10);
    }
    return await fn({ pid });
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
    const timer = setTimeout(() => rej(new Error(`target: no output in ${ms} ms`)), ms);
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
      rej(new Error(`target: exited before it was ready`));
    });
  });
}
