/**
 * Live tests need root (ptrace of any process, setns, unshare). Without it they skip and say
 * why on stderr, so a non-root run never passes silently.
 */
export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

export function skipReason(): string | false {
  if (!isRoot) return 'not root: live ptrace/namespace tests need uid 0';
  return false;
}

/** `describe.skipIf(!liveOk('name'))`: prints the reason once per suite that skips. */
export function liveOk(suite: string): boolean {
  const why = skipReason();
  if (why) process.stderr.write(`SKIP ${suite}: ${why}\n`);
  return !why;
}
