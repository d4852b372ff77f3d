/**
 * What each ps keyword shows for a ProcessInfo, and its header (FreeBSD bin/ps/keyword.c names;
 * `JID`/`JAIL` per spec §7). Values are typed: numbers stay numbers for `--json`.
 */
import { displayText } from '../procfs/escape.js';
import { commText, jailText, type Timeval, type Tty } from '../procfs/status.js';
import type { ProcessInfo, PsField } from './listing.js';

export const PS_HEADERS: Record<PsField, string> = {
  pid: 'PID', ppid: 'PPID', pgid: 'PGID', sid: 'SID', tty: 'TT', uid: 'UID', ruid: 'RUID',
  gid: 'GID', rgid: 'RGID', state: 'STAT', comm: 'COMMAND', args: 'COMMAND', jail: 'JAIL',
  jid: 'JID', wchan: 'WCHAN', time: 'TIME', start: 'STARTED',
};

/** Columns printed right-aligned, as ps does for numbers. */
export const PS_NUMERIC: ReadonlySet<PsField> = new Set(['pid', 'ppid', 'pgid', 'sid', 'uid', 'ruid', 'gid', 'rgid', 'jid']);

export const PS_DEFAULT_FIELDS: readonly PsField[] = ['pid', 'ppid', 'pgid', 'sid', 'jid', 'jail', 'tty', 'state', 'uid', 'time', 'comm'];

/** Linux device numbers of the terminals everyone has (Documentation/admin-guide/devices.txt). */
export function ttyName(tty: Tty): string {
  if (tty.kind === 'none') return '-';
  if (tty.kind === 'name') return tty.name;
  const { major, minor } = tty;
  if (major >= 136 && major <= 143) return `pts/${(major - 136) * 256 + minor}`;
  if (major === 4 && minor < 64) return `tty${minor}`;
  if (major === 4) return `ttyS${minor - 64}`;
  if (major === 5 && minor === 1) return 'console';
  return `${major},${minor}`;
}

/** FreeBSD ps's TIME: minutes:seconds.hundredths of user + system time. */
export function cpuTime(utime: Timeval, stime: Timeval): string {
  if (utime.sec < 0 || stime.sec < 0) return '-';
  const cs = Math.floor((utime.sec + stime.sec) * 100 + (utime.usec + stime.usec) / 10_000);
  const m = Math.floor(cs / 6000);
  const s = Math.floor((cs % 6000) / 100);
  return `${m}:${String(s).padStart(2, '0')}.${String(cs % 100).padStart(2, '0')}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** STARTED: `HH:MM` within the last day, else `DDMonYY` (FreeBSD's shapes, 24-hour clock). */
export function startedText(start: Timeval, nowSec = Date.now() / 1000): string {
  if (start.sec < 0) return '-';
  const d = new Date(start.sec * 1000);
  if (nowSec - start.sec < 86_400) {
    return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  }
  return `${String(d.getDate()).padStart(2, '0')}${MONTHS[d.getMonth()]}${String(d.getFullYear() % 100).padStart(2, '0')}`;
}


/** The value of one keyword; null where the source cannot tell (shown `-`). */
export function psValue(p: ProcessInfo, f: PsField): string | number | null {
  const s = p.status;
  switch (f) {
    case 'pid': return p.pid;
    case 'ppid': return s.ppid;
    case 'pgid': return s.pgid;
    case 'sid': return s.sid;
    case 'tty': return ttyName(s.tty);
    case 'uid': return s.euid;
    case 'ruid': return s.ruid;
    case 'gid': return s.egid;
    case 'rgid': return s.rgid;
    case 'state': return p.state;
    case 'comm': return commText(s);
    case 'args':
      if (p.args && p.args.length > 0) return p.args.join(' ');
      // A zombie's argv went with its memory; procps marks it so, and so do we.
      return p.state === 'Z' ? `[${commText(s)}] <defunct>` : `[${commText(s)}]`;
    case 'jail': return jailText(s) ?? '-';
    case 'jid': return p.jid;
    case 'wchan': return s.wchan ?? '-';
    case 'time': return cpuTime(s.utime, s.stime);
    case 'start': return startedText(s.start);
  }
}

/**
 * A table cell: psValue as text, `-` for null, with what a terminal would act on (ESC, a newline
 * that forges a row, C1 and bidi controls) shown as `?`, as procps ps shows them. Every field
 * goes through it: a tree's tty names and wait channels are the tree's bytes too.
 */
export function psText(p: ProcessInfo, f: PsField): string {
  return displayText(String(psValue(p, f) ?? '-'));
}

/** The value for `--json`: like psValue, but times as numbers (seconds; start since the epoch). */
export function psJsonValue(p: ProcessInfo, f: PsField): string | number | null {
  const s = p.status;
  if (f === 'time') return s.utime.sec < 0 ? null : s.utime.sec + s.stime.sec + (s.utime.usec + s.stime.usec) / 1e6;
  if (f === 'start') return s.start.sec < 0 ? null : s.start.sec + s.start.usec / 1e6;
  return psValue(p, f);
}

/** `-o pid,comm` → fields; throws with the first unknown keyword's name. */
export function parseFieldList(spec: string, onUnknown: (name: string) => Error): PsField[] {
  const out: PsField[] = [];
  for (const raw of spec.split(/[,\s]+/)) {
    if (raw === '') continue;
    const name = raw.toLowerCase();
    const f = name === 'stat' ? 'state' : name === 'command' ? 'args' : name === 'tt' ? 'tty' : name === 'ucomm' ? 'comm' : name;
    if (!isField(f)) throw onUnknown(raw);
    out.push(f);
  }
  if (out.length === 0) throw onUnknown(spec);
  return out;
}

function isField(s: string): s is PsField {
  return s in PS_HEADERS;
}
