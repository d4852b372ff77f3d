import { constants } from 'node:os';
import { ProcfsError } from './errors.js';

/**
 * The 32 signal names BSD procfs's `ctl` accepts (FreeBSD `procfs_ctl.c` `signames`), lowercase
 * and without `SIG`. `iot` is `abrt`. `emt` and `info` have no Linux x86-64 number.
 */
export const BSD_SIGNAL_NAMES = [
  'hup', 'int', 'quit', 'ill', 'trap', 'abrt', 'iot', 'emt', 'fpe', 'kill', 'bus', 'segv', 'sys',
  'pipe', 'alrm', 'term', 'urg', 'stop', 'tstp', 'cont', 'chld', 'ttin', 'ttou', 'io', 'xcpu',
  'xfsz', 'vtalrm', 'prof', 'winch', 'info', 'usr1', 'usr2',
] as const;

export type BsdSignalName = (typeof BSD_SIGNAL_NAMES)[number];

const linux = constants.signals as Record<string, number>;
const byNumber = new Map<number, string>();
for (const name of BSD_SIGNAL_NAMES) {
  const n = linux[`SIG${name.toUpperCase()}`];
  if (n !== undefined && !byNumber.has(n)) byNumber.set(n, name);
}
// Linux-only names pdbg prints but BSD never had.
byNumber.set(linux.SIGSTKFLT ?? 16, 'stkflt');
byNumber.set(linux.SIGPWR ?? 30, 'pwr');

/** A signal as pdbg handles it: its Linux number and its BSD-style name. */
export interface Signal {
  readonly number: number;
  readonly name: string;
}

/**
 * The real-time signals as a program sees them: the kernel's run from 32 to 64, but glibc keeps
 * 32 and 33 for its threads (NPTL's cancellation and setxid signals), so its SIGRTMIN, the one
 * kill(1) and strace name, is 34, and SIGRTMAX is 64. pdbg names them as glibc does.
 */
const RTMIN = 34;
const RTMAX = 64;

/** `rtmin`, `rtmin+N`, `rtmax`, `rtmax-N` (lowercase, no `SIG`) → its number; undefined for other words. */
function realtimeNumber(name: string): number | undefined {
  const m = /^rt(min|max)(?:([+-])([0-9]{1,2}))?$/.exec(name);
  if (!m) return undefined;
  const off = m[3] === undefined ? 0 : Number(m[3]);
  const n = m[1] === 'min' ? (m[2] === '-' ? RTMIN - off : RTMIN + off) : m[2] === '+' ? RTMAX + off : RTMAX - off;
  if (n < RTMIN || n > RTMAX) {
    throw new ProcfsError('EOPNOTSUPP', `no real-time signal '${name}' (rtmin…rtmin+${RTMAX - RTMIN}, or rtmax-${RTMAX - RTMIN}…rtmax: ${RTMIN}-${RTMAX})`);
  }
  return n;
}

/**
 * `strict`: exactly as BSD's ctl matches (lowercase, no `SIG`, after dropping trailing
 * whitespace). Otherwise pdbg's extension: `SIG` prefix, any case, a decimal number, and the
 * real-time signals by name (`rtmin+3`, `SIGRTMAX-2`; BSD's list has none).
 * Unknown or not on Linux → EOPNOTSUPP, as BSD's ctl answers an unknown word.
 */
export function parseSignal(word: string, strict = false): Signal {
  const w = word.replace(/\s+$/, '');
  if (!strict && /^\d+$/.test(w)) {
    const n = Number(w);
    if (n >= 1 && n <= 64) return { number: n, name: signalName(n) };
    throw new ProcfsError('EOPNOTSUPP', `no signal number ${w} (1-64)`);
  }
  let name = strict ? w : w.toLowerCase();
  if (!strict && name.startsWith('sig')) name = name.slice(3);
  if (!strict) {
    const rt = realtimeNumber(name);
    if (rt !== undefined) return { number: rt, name: signalName(rt) };
  }
  if (!(BSD_SIGNAL_NAMES as readonly string[]).includes(name) && (strict || !linux[`SIG${name.toUpperCase()}`])) {
    throw new ProcfsError('EOPNOTSUPP', `unknown signal name '${word}'`);
  }
  const n = linux[`SIG${name.toUpperCase()}`];
  if (n === undefined) throw new ProcfsError('EOPNOTSUPP', `signal '${name}' does not exist on Linux x86-64`);
  return { number: n, name: signalName(n) };
}

export function isSignalWord(word: string, strict = false): boolean {
  try {
    parseSignal(word, strict);
    return true;
  } catch {
    return false;
  }
}

/**
 * BSD-style lowercase name of a Linux signal number; the real-time ones always counted from
 * rtmin (`rtmin`, `rtmin+1` … `rtmin+30` for 64), so one signal has one spelling in output.
 * 32 and 33, glibc's own, have no name: their number. parseSignal reads every one back.
 */
export function signalName(n: number): string {
  const known = byNumber.get(n);
  if (known) return known;
  if (n >= RTMIN && n <= RTMAX) return n === RTMIN ? 'rtmin' : `rtmin+${n - RTMIN}`;
  return String(n);
}
