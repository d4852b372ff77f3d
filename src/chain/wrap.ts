import type { Hop } from './hops.js';
import { chainLimits } from './limits.js';
import { shJoin, splitWords } from './quote.js';

/**
 * A hop as a command transformer: given the argv to run on the far side of the hop, the argv
 * that runs it from the near side. Chains nest by composition, so every hop only ever needs
 * "run a command" from the one before it.
 */
export type Wrap = (far: readonly string[]) => string[];

/** The identity: no hop at all, the local machine. */
export const direct: Wrap = (far) => [...far];

/** `outer` around `inner`: inner's near side is outer's far side. */
export function compose(outer: Wrap, inner: Wrap): Wrap {
  return (far) => outer(inner(far));
}

// Entered namespaces keep the mount namespace's /proc, which may still be the outer pid
// namespace's (a jail made without --mount-proc). Detected by the shell reading its own stat
// through /proc/self (a builtin redirect, no fork): a pid other than $$ means a foreign /proc,
// and the command then runs in a private mount namespace with the pid namespace's own /proc,
// so the jail's mount table is left as found. Arguments only ever arrive as "$@".
const PROC_FIX = [
  'read s _ 2>/dev/null </proc/self/stat || s=',
  'if [ "$s" != "$$" ]; then exec unshare -m --propagation private sh -c \'mount -t proc proc /proc && exec "$@"\' sh "$@"; fi',
  'exec "$@"',
].join('\n');

// nsenter -a where this util-linux has it (2.33+; it skips a user namespace the caller is
// already in), else the five classic namespaces.
const NSENTER = [
  'p=$1; f=$2; shift 2',
  'if nsenter --help 2>&1 | grep -q -- --all; then exec nsenter -t "$p" -a -- sh -c "$f" sh "$@"; fi',
  'exec nsenter -t "$p" -m -u -i -n -p -- sh -c "$f" sh "$@"',
].join('\n');

// A jail is its uts, pid, net and mount namespaces, and its user namespace when it has its own
// (setns to the caller's own user namespace is EINVAL, so it is entered only when different).
// Its processes are given lowest first; the first one in a pid namespace other than this side's
// is the one entered, since `unshare --uts --pid --fork` leaves its own parent in the jail's uts
// namespace but in the outer pid namespace.
const JAIL = [
  'ps=$1; f=$2; shift 2',
  'me=$(readlink /proc/self/ns/pid); p=',
  'for q in $ps; do if [ "$(readlink /proc/"$q"/ns/pid 2>/dev/null)" != "$me" ]; then p=$q; break; fi; done',
  '[ -n "$p" ] || p=${ps%% *}',
  'u=; [ "$(readlink /proc/"$p"/ns/user)" = "$(readlink /proc/self/ns/user)" ] || u=-U',
  'exec nsenter -t "$p" -u -p -n -m $u -- sh -c "$f" sh "$@"',
].join('\n');

/** The ssh command: PDBG_SSH's words (like GIT_SSH_COMMAND), else the system's `ssh`. */
export function sshCommand(env: NodeJS.ProcessEnv = process.env): string[] {
  return env.PDBG_SSH ? splitWords(env.PDBG_SSH, 'PDBG_SSH') : ['ssh'];
}

/**
 * The Wrap of a hop whose target is known now. A jail hop is given as the pids it resolved to on
 * the previous side (see establish.ts), since only that side can list its jails.
 */
export function wrapHop(hop: Exclude<Hop, { kind: 'jail' }> | { kind: 'jail-pids'; pids: readonly number[] }, env: NodeJS.ProcessEnv = process.env): Wrap {
  switch (hop.kind) {
    case 'ssh': {
      const dest = hop.user !== undefined ? `${hop.user}@${hop.host}` : hop.host;
      const port = hop.port !== undefined ? ['-p', String(hop.port)] : [];
      // A `ctl wait` may rightly be silent for hours: ssh's own keepalive is what notices a
      // host or a NAT that dropped the connection meanwhile, within about PDBG_VIA_TIMEOUT
      // (three probes a third of it apart). PDBG_SSH's own -o comes first, and ssh keeps the
      // first value it is given.
      const limit = chainLimits(env).requestMs;
      const alive = limit === undefined ? [] : ['-o', `ServerAliveInterval=${Math.max(1, Math.ceil(limit / 3000))}`, '-o', 'ServerAliveCountMax=3'];
      // ssh gives the far side one string for its login shell: the only place a shell parses
      // anything, so every word is quoted.
      return (far) => [...sshCommand(env), ...port, '-o', 'BatchMode=yes', ...alive, '-T', '--', dest, shJoin(far)];
    }
    case 'sudo':
      return (far) => ['sudo', '-n', ...(hop.user !== undefined ? ['-u', hop.user] : []), '--', ...far];
    case 'nsenter':
      return (far) => ['sh', '-c', NSENTER, 'sh', String(hop.pid), PROC_FIX, ...far];
    case 'jail-pids':
      // Digits and spaces only: the script splits this word on purpose.
      return (far) => ['sh', '-c', JAIL, 'sh', hop.pids.map((p) => String(Math.trunc(p))).join(' '), PROC_FIX, ...far];
  }
}
