import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killPid, reap, track } from './reaper.js';

/**
 * Test targets: small C programs in test/targets/, compiled here with gcc on first use (PIE,
 * frame pointers, symbols), started through one helper that always cleans up.
 */
const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../..');
const srcDir = join(repoRoot, 'test/targets');
const outDir = join(repoRoot, '.cache/targets');

export function buildTarget(name: string, extraFlags: string[] = []): string {
  const src = join(srcDir, `${name}.c`);
  const out = join(outDir, name);
  mkdirSync(outDir, { recursive: true });
  if (!existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs) {
    execFileSync('gcc', ['-O0', '-g', '-fno-omit-frame-pointer', '-o', out, src, '-pthread', ...extraFlags], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }
  return out;
}


export interface Target {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Everything the target wrote to stdout so far. */
  stdout(): string;
  /** Resolves when a line matching `re` has appeared on stdout. */
  waitFor(re: RegExp, ms?: number): Promise<string>;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): void;
}

/** Starts a compiled target; `killAll()` (in afterAll/afterEach) ends every one still alive. */
export function startTarget(name: string, args: string[] = []): Target {
  const path = buildTarget(name);
  const child = spawn(path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const untrack = track('target', () => killPid(child.pid!));
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.on('exit', (code, signal) => {
      untrack();
      res({ code, signal });
    }),
  );
  return {
    pid: child.pid!,
    child,
    stdout: () => out,
    waitFor: (re, ms = 10_000) =>
      new Promise((res, rej) => {
        const t0 = Date.now();
        const tick = () => {
          const m = out.match(re);
          if (m) return res(m[0]);
          if (Date.now() - t0 > ms) return rej(new Error(`target ${name}: no ${re} on stdout in ${ms} ms; got ${JSON.stringify(out)}`));
          setTimeout(tick, 5);
        };
        tick();
      }),
    exited: () => exit,
    kill: () => killPid(child.pid!),
  };
}

/** Ends every startTarget() target still alive (the reaper's 'target' kind). */
export function killAll(): void {
  reap('target');
}

/** A traced-and-stopped or zombie process shows it in /proc/PID/stat's state and TracerPid. */
export function procState(pid: number): { state: string; tracerPid: number } {
  // stderr captured: a process gone meanwhile is the caller's exception, not `cat: …` in the run's output.
  const status = execFileSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const state = /State:\s+(\S)/.exec(status)?.[1] ?? '?';
  const tracerPid = Number(/TracerPid:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { state, tracerPid };
}

/** Bytes of a process's memory as the kernel has them (not through any session's masking). */
export function rawMem(pid: number, addr: bigint, len: number): Buffer {
  const fd = openSync(`/proc/${pid}/mem`, 'r');
  try {
    const b = Buffer.alloc(len);
    readSync(fd, b, 0, len, Number(addr));
    return b;
  } finally {
    closeSync(fd);
  }
}
