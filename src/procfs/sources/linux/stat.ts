import { ParseError } from '../../errors.js';

/** The fields of Linux `/proc/PID/stat` (proc(5)) that pdbg's status and listings use. */
export interface LinuxStat {
  /** Raw bytes of the name between the first `(` and the LAST `)`: comm may itself hold `)`. */
  comm: Uint8Array;
  /** One letter: R S D Z T t X I … */
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** Encoded device number of the controlling terminal, 0 when none. */
  ttyNr: number;
  /** The task's PF_* flags (include/linux/sched.h). */
  flags: number;
  /** Clock ticks (USER_HZ). */
  utime: number;
  stime: number;
  /** Clock ticks since boot. */
  starttime: number;
}

const SPACE = 0x20;
const ZERO = 0x30;

/**
 * Parses the first `len` bytes of a stat file. Works on a reused buffer: numbers are read in
 * place, only comm is copied (it must outlive the buffer).
 */
export function parseLinuxStat(buf: Uint8Array, len: number): LinuxStat {
  const open = buf.indexOf(0x28); // '('
  const close = buf.lastIndexOf(0x29, len - 1); // ')'
  if (open < 0 || close < open) throw new ParseError('comm', 'stat: no (comm)');
  // After ") " come: state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
  // utime stime cutime cstime priority nice num_threads itrealvalue starttime …
  let i = close + 2;
  const state = String.fromCharCode(buf[i]!);
  i += 2;
  const v = new Array<number>(20);
  for (let f = 0; f < 19 && i < len; f++) {
    let neg = false;
    if (buf[i] === 0x2d) {
      neg = true;
      i++;
    }
    let n = 0;
    let c = buf[i]!;
    while (i < len && c !== SPACE && c !== 0x0a) {
      n = n * 10 + (c - ZERO);
      c = buf[++i]!;
    }
    v[f] = neg ? -n : n;
    i++;
  }
  if (v[18] === undefined) throw new ParseError('starttime', 'stat: line ends before starttime');
  return {
    comm: new Uint8Array(buf.subarray(open + 1, close)),
    state,
    ppid: v[0]!,
    pgrp: v[1]!,
    session: v[2]!,
    ttyNr: v[3]!,
    flags: v[5]!,
    utime: v[10]!,
    stime: v[11]!,
    starttime: v[18]!,
  };
}

/** Linux's dev_t split (MAJOR/MINOR of the new 32-bit encoding, include/linux/kdev_t.h). */
export function ttyDevice(ttyNr: number): { major: number; minor: number } {
  return { major: (ttyNr >>> 8) & 0xfff, minor: (ttyNr & 0xff) | ((ttyNr >>> 12) & 0xfff00) };
}

/** PF_KTHREAD (include/linux/sched.h): a kernel thread, which ptrace refuses with EPERM. */
export const PF_KTHREAD = 0x00200000;
