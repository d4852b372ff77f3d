import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pdbgAsync } from './cli.js';
import { UNIT_REASON, unitOnly } from './root.js';

/** Why mount tests cannot run here, or false: they need root and /dev/fuse. */
export function mountSkipReason(): string | false {
  if (unitOnly) return UNIT_REASON;
  if (process.getuid?.() !== 0) return 'not root: mounting FUSE by mount(2) needs uid 0';
  if (!existsSync('/dev/fuse')) return 'no /dev/fuse on this machine';
  return false;
}

/** `describe.skipIf(!mountOk('name'))`: prints the reason once per suite that skips. */
export function mountOk(suite: string): boolean {
  const why = mountSkipReason();
  if (why) process.stderr.write(`SKIP ${suite}: ${why}\n`);
  return !why;
}

export function isMounted(dir: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === dir);
}

export interface RunningMount {
  readonly dir: string;
  readonly pid: number;
  stderr(): string;
  /** SIGTERM, then waits for the daemon's exit and the mount's end; removes the directory. */
  stop(): Promise<void>;
}

/** `pdbg [GLOBAL…] mount [ARGS…] DIR` as a user runs it, resolved once it serves. */
export async function startMount(args: string[] = [], globals: string[] = []): Promise<RunningMount> {
  const dir = mkdtempSync(join(tmpdir(), 'pdbg-mnt-'));
  const run = pdbgAsync([...globals, 'mount', ...args, dir]);
  let exited = false;
  void run.done.then(() => (exited = true));
  for (let i = 0; i < 400 && !isMounted(dir); i++) {
    if (exited) throw new Error(`pdbg mount exited: ${run.stderr()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  if (!isMounted(dir)) throw new Error(`pdbg mount did not mount ${dir}: ${run.stderr()}`);
  return {
    dir,
    pid: run.child.pid!,
    stderr: run.stderr,
    async stop() {
      if (!exited) run.child.kill('SIGTERM');
      await run.done;
      for (let i = 0; i < 200 && isMounted(dir); i++) await new Promise((r) => setTimeout(r, 25));
      if (!isMounted(dir)) rmSync(dir, { recursive: true, force: true });
    },
  };
}
