/**
 * The `status` node: one line describing a process (FreeBSD `procfs_status.c`), its dialects,
 * parser and formatter. See ../shared/spec/procfs.md §2.
 *
 * CONTRACT (owned by the status work; other modules import only these names):
 *   parseStatus(line) -> ProcStatus      throws ParseError naming the first wrong field
 *   formatStatus(s)   -> string          formatStatus(parseStatus(l)) === l for every valid l
 *
 * Lines are bytes. Both functions work on "binary" strings (latin1, one char per byte; see
 * escape.ts), so a comm or jail hostname in any encoding survives a round trip. Decode a node
 * with `parseStatusBytes(buf)` or `buf.toString('latin1')`; show names with `commText`/`jailText`.
 *
 * The trailing newline: formatStatus always ends the line with "\n", as every kernel does;
 * parseStatus accepts the line with or without it (one "\n" is dropped, nothing else).
 * "Valid" means what a kernel writes: canonical decimals (no leading zeros, no "+", no "-0"),
 * usec 0–999999 unpadded, single spaces, a raw comm of at most MAXCOMLEN (16) bytes. Two
 * ambiguities are the formats' own: a jail literally named `-` reads as "not jailed", and a
 * FreeBSD 4 comm that happens to be a valid escape (`sh`) reads as FreeBSD 5–7 (same text).
 */
import { ParseError } from './errors.js';
import { binaryFromBytes, bytesFromBinary, escapeComm, textFromBinary, unescapeComm } from './escape.js';

/** Which system wrote the line; recognised from token shapes, never passed in. */
export type StatusDialect =
  | 'freebsd5'   // FreeBSD 5–7: escaped comm, tty maj,min, jail hostname (pdbg's own output)
  | 'freebsd8'   // FreeBSD ≥ 8: escaped comm, tty as a name or '-', jail name
  | 'freebsd4'   // FreeBSD 4: as freebsd5 with a raw comm
  | 'bsd44lite'  // 4.4BSD-Lite: 12 tokens, `euid,groups…`, no ruid/rgid, no jail
  | 'bsd93'      // the 1993 procfs: times as `sec usec`, credentials space-separated
  | 'netbsd';    // NetBSD: `euid egid,groups…`

/** `sec,usec`; both -1 when the process is swapped out. */
export interface Timeval {
  sec: number;
  usec: number;
}

export type Tty =
  | { kind: 'dev'; major: number; minor: number } // `5,0`; `-1,-1` is kind 'none' in a dev dialect
  | { kind: 'name'; name: string }                 // FreeBSD ≥ 8: `pts/0`
  | { kind: 'none' };                              // `-1,-1` or `-`

export interface ProcStatus {
  dialect: StatusDialect;
  /** The command name's raw bytes, unescaped (escaping is the formatter's business). */
  comm: Uint8Array;
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  tty: Tty;
  /** `ctty` (has a controlling terminal), `sldr` (session leader); both false = `noflags`. */
  flags: { ctty: boolean; sldr: boolean };
  start: Timeval;
  utime: Timeval;
  stime: Timeval;
  /** Wait channel, or null for `nochan`. */
  wchan: string | null;
  euid: number;
  /** Absent (null) in 4.4BSD-Lite, the 1993 procfs and NetBSD. */
  ruid: number | null;
  /** Absent (null) where the dialect has no rgid. */
  rgid: number | null;
  /** Effective gid: the first group in the credential list. */
  egid: number;
  /** Every group after the egid, in order. */
  groups: number[];
  /** Jail hostname (FreeBSD 4–7, pdbg) or jail name (FreeBSD ≥ 8); null for `-` or no field. */
  jail: string | null;
}

/**
 * The token layout of each dialect after `comm pid ppid pgid sid tty flags`, with the example
 * line the spec gives. How the parser tells them apart: times with commas or not (bsd93), then
 * the token count (5 after flags: bsd44lite, 6: netbsd, 8+: FreeBSD), then, for FreeBSD, the comm
 * (escaped or raw) and the tty (`maj,min` or a name).
 */
export const statusDialects: Readonly<Record<StatusDialect, { layout: string; example: string }>> = {
  freebsd5: {
    layout: 'comm(escaped) pid ppid pgid sid maj,min flags start utime stime wchan euid ruid rgid,egid,groups… jail-hostname',
    example: 'httpd 5678 5600 5600 5600 -1,-1 noflags 1009826432,443211 0,7812 0,15625 accept 80 80 80,80 www.example.org\n',
  },
  freebsd8: {
    layout: 'comm(escaped) pid ppid pgid sid ttyname|- flags start utime stime wchan euid ruid rgid,egid,groups… jail-name',
    example: 'nginx 5678 5677 5677 5677 - noflags 1714070100,52 0,4003 0,12009 kqread 80 80 80,80 www\n',
  },
  freebsd4: {
    layout: 'comm(raw) pid ppid pgid sid maj,min flags start utime stime wchan euid ruid rgid,egid,groups… jail-hostname',
    example: 'my prog 812 1 812 812 -1,-1 sldr 990000000,0 0,5 0,0 select 0 0 0,0 -\n',
  },
  bsd44lite: {
    layout: 'comm(raw) pid ppid pgid sid maj,min flags start utime stime wchan euid,egid,groups…',
    example: 'sh 1234 1233 1234 1200 5,0 ctty 768432000,443211 0,7812 0,15625 pause 1001,20,0\n',
  },
  bsd93: {
    layout: 'comm(raw) pid ppid pgid sid maj,min flags ssec susec usec uusec ssec susec wchan euid egid groups…',
    example: 'vi 812 640 812 640 12,3 ctty 748600001 120000 1 50000 0 90000 ttyin 100 20 20 0\n',
  },
  netbsd: {
    layout: 'comm(raw) pid ppid pgid sid maj,min flags start utime stime wchan euid egid,groups…',
    example: 'sh 1234 1233 1234 1200 5,0 ctty 768432000,443211 0,7812 0,15625 pause 1001 20,0\n',
  },
};

/** The command name for display: its bytes decoded as UTF-8. */
export function commText(s: ProcStatus): string {
  return Buffer.from(s.comm).toString('utf8');
}

/** The jail hostname/name for display (UTF-8), or null when not jailed. */
export function jailText(s: ProcStatus): string | null {
  return s.jail === null ? null : textFromBinary(s.jail);
}

/** Parses a status node's bytes as read from a file. */
export function parseStatusBytes(bytes: Uint8Array): ProcStatus {
  return parseStatus(binaryFromBytes(bytes));
}

// ---------------------------------------------------------------------------------------------
// Formatting

function fmtTimeval(t: Timeval): string {
  return `${t.sec},${t.usec}`;
}

function fmtTty(t: Tty, dialect: StatusDialect): string {
  switch (t.kind) {
    case 'dev':
      return `${t.major},${t.minor}`;
    case 'name':
      return t.name;
    case 'none':
      // FreeBSD 8 replaced the dev_t pair by a device name, and "no tty" by "-".
      return dialect === 'freebsd8' ? '-' : '-1,-1';
  }
}

function fmtFlags(f: ProcStatus['flags']): string {
  if (f.ctty) return f.sldr ? 'ctty,sldr' : 'ctty';
  return f.sldr ? 'sldr' : 'noflags';
}

/**
 * The line a kernel of `s.dialect` would write for `s`, ending in "\n". The dialect decides the
 * comm escaping, the time and credential layouts, whether a jail field is written, and how "no
 * tty" is spelled; the tty's kind is written as the model says. A model made for a dialect with
 * fewer credentials (ruid/rgid null) written as FreeBSD uses euid/egid for the missing ones.
 */
export function formatStatus(s: ProcStatus): string {
  const d = s.dialect;
  const comm = d === 'freebsd5' || d === 'freebsd8' ? escapeComm(s.comm) : binaryFromBytes(s.comm);
  let out = `${comm} ${s.pid} ${s.ppid} ${s.pgid} ${s.sid} ${fmtTty(s.tty, d)} ${fmtFlags(s.flags)} `;
  if (d === 'bsd93') {
    out += `${s.start.sec} ${s.start.usec} ${s.utime.sec} ${s.utime.usec} ${s.stime.sec} ${s.stime.usec}`;
  } else {
    out += `${fmtTimeval(s.start)} ${fmtTimeval(s.utime)} ${fmtTimeval(s.stime)}`;
  }
  out += ` ${s.wchan ?? 'nochan'} `;
  switch (d) {
    case 'freebsd5':
    case 'freebsd8':
    case 'freebsd4':
      out += `${s.euid} ${s.ruid ?? s.euid} ${[s.rgid ?? s.egid, s.egid, ...s.groups].join(',')} ${s.jail ?? '-'}`;
      break;
    case 'netbsd':
      out += `${s.euid} ${[s.egid, ...s.groups].join(',')}`;
      break;
    case 'bsd44lite':
      out += [s.euid, s.egid, ...s.groups].join(',');
      break;
    case 'bsd93':
      out += [s.euid, s.egid, ...s.groups].join(' ');
      break;
  }
  return out + '\n';
}

// ---------------------------------------------------------------------------------------------
// Parsing

/**
 * A token for an error message: one line, printable, not too long. Its chars are bytes (a
 * binary string): those above 126 are written `\ooo` too, or a byte 0x9b would reach the
 * terminal as U+009B, the C1 CSI.
 */
function shown(token: string): string {
  const t = token.length > 40 ? token.slice(0, 40) + '…' : token;
  let out = '';
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    out += c < 32 || (c >= 127 && c <= 255) ? '\\' + c.toString(8).padStart(3, '0') : t[i];
  }
  return out;
}

function fail(field: string, problem: string, token?: string): never {
  const msg = token === undefined ? `status: field '${field}' ${problem}` : `status: field '${field}' ${problem}: '${shown(token)}'`;
  throw new ParseError(field, msg);
}

/**
 * The canonical decimal (what `%d` prints) in t[from, to), or NaN. Only exact values: at most
 * 2^53-1 (Number.MAX_SAFE_INTEGER), so a 16-digit token such as 9007199254740993 is refused
 * rather than rounded to …992 (no field a kernel writes here is that large; pid_t, uid_t and
 * dev numbers are 32-bit, and time_t seconds reach 2^53 in some 285 million years). The
 * digit loop's rounding cannot hide an overflow: every value below 2^53 is exact, and rounding
 * is monotonic, so a true value past 2^53-1 computes past it too. Ranges instead of slices:
 * the parser allocates little per token.
 */
function decimal(t: string, from = 0, to = t.length): number {
  const n = to - from;
  if (n <= 0 || n > 17) return NaN; // "-" and 16 digits at most
  let i = from;
  let neg = false;
  if (t.charCodeAt(i) === 45) {
    if (n === 1) return NaN;
    neg = true;
    i++;
  }
  if (t.charCodeAt(i) === 48 && (to > i + 1 || neg)) return NaN; // leading zero, "-0"
  let v = 0;
  for (; i < to; i++) {
    const dgt = t.charCodeAt(i) - 48;
    if (dgt < 0 || dgt > 9) return NaN;
    v = v * 10 + dgt;
  }
  if (v > Number.MAX_SAFE_INTEGER) return NaN;
  return neg ? -v : v;
}

/** Why decimal() refused t[from, to): a well-formed number too large to hold exactly, or not a number. */
function notDecimal(t: string, from = 0, to = t.length): string {
  return /^-?[1-9][0-9]{15,}$/.test(t.slice(from, to)) ? 'is out of range (past 2^53-1)' : 'is not a number';
}

function isCount(t: string | undefined): boolean {
  if (t === undefined) return false;
  const v = decimal(t);
  return v >= 0;
}

function need(t: string[], i: number, field: string): string {
  const tok = t[i];
  if (tok === undefined) fail(field, 'is missing');
  return tok;
}

function int(t: string[], i: number, field: string): number {
  const tok = need(t, i, field);
  const v = decimal(tok);
  if (v !== v) fail(field, notDecimal(tok), tok);
  return v;
}

/** pid, ppid, pgid, sid: non-negative. */
function id(t: string[], i: number, field: string): number {
  const v = int(t, i, field);
  if (v < 0) fail(field, 'is negative', t[i]);
  return v;
}

function checkTimeval(field: string, tok: string, sec: number, usec: number): Timeval {
  // -1,-1 is "swapped out"; otherwise microseconds are a fraction of a second.
  if (sec === -1 && usec === -1) return { sec, usec };
  if (sec < 0 || usec < 0 || usec > 999_999) fail(field, 'is not a time sec,usec', tok);
  return { sec, usec };
}

function timeval(t: string[], i: number, field: string): Timeval {
  const tok = need(t, i, field);
  const comma = tok.indexOf(',');
  const sec = comma < 0 ? NaN : decimal(tok, 0, comma);
  const usec = comma < 0 ? NaN : decimal(tok, comma + 1);
  if (sec !== sec && comma > 0 && notDecimal(tok, 0, comma) !== 'is not a number') fail(field, 'has seconds out of range (past 2^53-1)', tok);
  if (sec !== sec || usec !== usec) fail(field, 'is not a time sec,usec', tok);
  return checkTimeval(field, tok, sec, usec);
}

/** `maj,min` as two decimals, or null when the token has another shape. */
function devPair(tok: string): [number, number] | null {
  const comma = tok.indexOf(',');
  if (comma < 0) return null;
  const a = decimal(tok, 0, comma);
  const b = decimal(tok, comma + 1);
  return a === a && b === b ? [a, b] : null;
}

function devTty(pair: [number, number]): Tty {
  return pair[0] === -1 && pair[1] === -1 ? { kind: 'none' } : { kind: 'dev', major: pair[0], minor: pair[1] };
}

function flagsOf(tok: string): ProcStatus['flags'] | null {
  switch (tok) {
    case 'noflags':
      return { ctty: false, sldr: false };
    case 'ctty':
      return { ctty: true, sldr: false };
    case 'sldr':
      return { ctty: false, sldr: true };
    case 'ctty,sldr':
      return { ctty: true, sldr: true };
    default:
      return null;
  }
}

/** A comma list of decimals, at least one per name; errors name the element (`names[i]`, then `rest`). */
function intList(tok: string, names: string[], rest: string): number[] {
  const out: number[] = [];
  let from = 0;
  for (;;) {
    let to = tok.indexOf(',', from);
    if (to < 0) to = tok.length;
    const v = decimal(tok, from, to);
    if (v !== v) fail(names[out.length] ?? rest, notDecimal(tok, from, to), tok.slice(from, to));
    out.push(v);
    if (to === tok.length) break;
    from = to + 1;
  }
  if (out.length < names.length) fail(names[out.length]!, 'is missing', tok);
  return out;
}

function wchanOf(t: string[], i: number): string | null {
  const tok = need(t, i, 'wchan');
  if (tok === '') fail('wchan', 'is empty');
  return tok === 'nochan' ? null : tok;
}

function rawComm(tok: string): Uint8Array {
  for (let i = 0; i < tok.length; i++) {
    if (tok.charCodeAt(i) > 255) fail('comm', 'is not a byte string (read the node as latin1)', tok);
  }
  return bytesFromBinary(tok);
}

type Family = 'freebsd' | 'bsd44lite' | 'netbsd' | 'bsd93';

/** Which layout the tokens after the flags have (see statusDialects). */
function familyOf(t: string[], r: number): Family {
  const a = t[r];
  const b = t[r + 1];
  if (a !== undefined && a.indexOf(',') < 0 && (b === undefined || b.indexOf(',') < 0)) return 'bsd93';
  const n = t.length - r;
  if (n === 5 || n < 5) return 'bsd44lite';
  if (n === 6) return 'netbsd';
  return 'freebsd';
}

/** The whole line read with the comm as tokens [0, k) and pid at k. */
function parseAt(t: string[], k: number): ProcStatus {
  const commTok = k === 1 ? t[0]! : t.slice(0, k).join(' ');
  const pid = id(t, k, 'pid');
  const ppid = id(t, k + 1, 'ppid');
  const pgid = id(t, k + 2, 'pgid');
  const sid = id(t, k + 3, 'sid');
  const ttyTok = need(t, k + 4, 'tty');
  const flagsTok = need(t, k + 5, 'flags');
  const r = k + 6;
  const family = familyOf(t, r);
  const pair = devPair(ttyTok);

  let dialect: StatusDialect;
  let comm: Uint8Array;
  let tty: Tty;
  if (family === 'freebsd') {
    const escaped = k === 1 ? unescapeComm(commTok) : null;
    if (escaped && pair) {
      dialect = 'freebsd5';
      comm = escaped;
      tty = devTty(pair);
    } else if (escaped) {
      dialect = 'freebsd8';
      comm = escaped;
      if (ttyTok === '' || ttyTok.indexOf(',') >= 0) fail('tty', 'is neither maj,min nor a device name', ttyTok);
      tty = ttyTok === '-' ? { kind: 'none' } : { kind: 'name', name: ttyTok };
    } else if (pair) {
      dialect = 'freebsd4';
      comm = rawComm(commTok);
      tty = devTty(pair);
    } else if (ttyTok !== '' && ttyTok.indexOf(',') < 0) {
      // A tty name is FreeBSD >= 8, which always escapes the comm.
      fail('comm', 'is not escaped as FreeBSD >= 8 writes it', commTok);
    } else {
      fail('tty', 'is neither maj,min nor a device name', ttyTok);
    }
  } else {
    dialect = family;
    comm = rawComm(commTok);
    if (!pair) fail('tty', 'is not maj,min', ttyTok);
    tty = devTty(pair);
  }

  const flags = flagsOf(flagsTok);
  if (!flags) fail('flags', 'is not ctty, sldr, ctty,sldr or noflags', flagsTok);

  let start: Timeval;
  let utime: Timeval;
  let stime: Timeval;
  let w: number;
  if (family === 'bsd93') {
    const tv = (i: number, field: string): Timeval => {
      const sec = int(t, i, field);
      const usec = int(t, i + 1, field);
      return checkTimeval(field, `${t[i]} ${t[i + 1]}`, sec, usec);
    };
    start = tv(r, 'start');
    utime = tv(r + 2, 'utime');
    stime = tv(r + 4, 'stime');
    w = r + 6;
  } else {
    start = timeval(t, r, 'start');
    utime = timeval(t, r + 1, 'utime');
    stime = timeval(t, r + 2, 'stime');
    w = r + 3;
  }
  const wchan = wchanOf(t, w);

  let euid: number;
  let ruid: number | null = null;
  let rgid: number | null = null;
  let egid: number;
  let groups: number[];
  let jail: string | null = null;
  switch (family) {
    case 'freebsd': {
      euid = int(t, w + 1, 'euid');
      ruid = int(t, w + 2, 'ruid');
      const creds = intList(need(t, w + 3, 'rgid'), ['rgid', 'egid'], 'groups');
      rgid = creds[0]!;
      egid = creds[1]!;
      groups = creds.slice(2);
      // The hostname is not escaped and may hold spaces: it is the rest of the line.
      if (t.length <= w + 4) fail('jail', 'is missing');
      const j = t.length === w + 5 ? t[w + 4]! : t.slice(w + 4).join(' ');
      jail = j === '-' ? null : j;
      break;
    }
    case 'netbsd': {
      euid = int(t, w + 1, 'euid');
      const creds = intList(need(t, w + 2, 'egid'), ['egid'], 'groups');
      egid = creds[0]!;
      groups = creds.slice(1);
      break;
    }
    case 'bsd44lite': {
      const creds = intList(need(t, w + 1, 'euid'), ['euid', 'egid'], 'groups');
      euid = creds[0]!;
      egid = creds[1]!;
      groups = creds.slice(2);
      if (t.length > w + 2) fail('groups', 'is followed by more fields', t[w + 2]);
      break;
    }
    case 'bsd93': {
      euid = int(t, w + 1, 'euid');
      egid = int(t, w + 2, 'egid');
      groups = [];
      for (let i = w + 3; i < t.length; i++) groups.push(int(t, i, 'groups'));
      break;
    }
  }
  return { dialect, comm, pid, ppid, pgid, sid, tty, flags, start, utime, stime, wchan, euid, ruid, rgid, egid, groups, jail };
}

/**
 * Reads one status line of any dialect. The comm may hold spaces in the raw dialects (FreeBSD 4,
 * 4.4BSD, NetBSD): the pid is found as the first place where four decimals are followed by a tty
 * and a flags word and the rest of the line fits. Throws ParseError naming the first field that
 * does not fit; never returns a partly filled object.
 */
export function parseStatus(line: string): ProcStatus {
  const body = line.charCodeAt(line.length - 1) === 10 ? line.slice(0, -1) : line;
  const t = body.split(' ');
  let first: ParseError | undefined;
  for (let k = 1; k + 5 < t.length; k++) {
    if (flagsOf(t[k + 5]!) === null || !isCount(t[k]) || !isCount(t[k + 1]) || !isCount(t[k + 2]) || !isCount(t[k + 3])) continue;
    try {
      return parseAt(t, k);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      first ??= e;
    }
  }
  if (first) throw first;
  if (body.length === 0) fail('comm', 'is missing (empty line)');
  // Nothing fits pid…flags. To name the first wrong field, read from the first place where four
  // decimals and a maj,min tty stand (a raw comm with spaces and a bad flags word), else from a
  // one-token comm.
  for (let k = 2; k + 4 < t.length; k++) {
    if (isCount(t[k]) && isCount(t[k + 1]) && isCount(t[k + 2]) && isCount(t[k + 3]) && devPair(t[k + 4]!)) return parseAt(t, k);
  }
  return parseAt(t, 1);
}
