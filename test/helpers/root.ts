/**
 * Live tests need root (ptrace of any process, setns, unshare). Without it they skip and say
 * why on stderr, so a non-root run never passes silently.
 */
export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * The unit project (`npm run test:unit`, vitest.config.ts) sets PDBG_TESTS=unit: every live
 * suite skips with this reason, so the same files give a quick run that needs no root, no
 * compiler and no traced process, and the live project runs them whole.
 */
export const unitOnly = process.env.PDBG_TESTS === 'unit';
export const UNIT_REASON = 'unit project (PDBG_TESTS=unit): no live process, no root needed';

export function skipReason(): string | false {
  if (unitOnly) return UNIT_REASON;
  if (!isRoot) return 'not root: live ptrace/namespace tests need uid 0';
  return false;
}

/** `describe.skipIf(!liveOk('name'))`: prints the reason once per suite that skips. */
export function liveOk(suite: string): boolean {
  const why = skipReason();
  if (why) process.stderr.write(`SKIP ${suite}: ${why}\n`);
  return !why;
}

/**
 * `describe.skipIf(!cliOk('name'))`: a suite that runs the built pdbg as a user does (a node
 * process per command, ~0.3 s each) belongs to the live project, though it needs no root; the
 * unit project skips it and says so.
 */
export function cliOk(suite: string): boolean {
  if (!unitOnly) return true;
  process.stderr.write(`SKIP ${suite}: runs the built CLI, a process per command (the live project runs it)\n`);
  return false;
}
