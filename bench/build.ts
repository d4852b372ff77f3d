import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, cSourceDir } from './paths.js';

/** The C programs of bench/c/, and how each is compiled. */
export type CProgram = 'step' | 'breakpoint' | 'emulate' | 'memread' | 'hot' | 'deep' | 'preadfile';

/**
 * Baselines at -O2, as the issue asks. The target at -O0 with symbols and frame pointers: its
 * loops must stay loops and `hot_fn` a function gdb can `break` on by name. The backtrace target
 * at -O2 without frame pointers and with asynchronous unwind tables: only its CFI says where a
 * caller's frame is.
 */
function flagsFor(name: CProgram): string[] {
  if (name === 'hot') return ['-O0', '-g', '-fno-omit-frame-pointer'];
  if (name === 'deep') return ['-O2', '-fomit-frame-pointer', '-fasynchronous-unwind-tables'];
  return ['-O2'];
}

/** Compiles bench/c/NAME.c into .cache/bench/NAME when missing or older than its sources. */
export function buildC(name: CProgram): string {
  const src = join(cSourceDir, `${name}.c`);
  const header = join(cSourceDir, 'trace.h');
  const out = join(cacheDir, name);
  mkdirSync(cacheDir, { recursive: true });
  const newest = Math.max(statSync(src).mtimeMs, statSync(header).mtimeMs);
  if (!existsSync(out) || statSync(out).mtimeMs < newest) {
    execFileSync('gcc', [...flagsFor(name), '-Wall', '-o', out, src], { stdio: ['ignore', 'inherit', 'inherit'] });
  }
  return out;
}

export function buildAllC(): Record<CProgram, string> {
  return {
    step: buildC('step'),
    breakpoint: buildC('breakpoint'),
    emulate: buildC('emulate'),
    memread: buildC('memread'),
    hot: buildC('hot'),
    deep: buildC('deep'),
    preadfile: buildC('preadfile'),
  };
}
