/**
 * Jails on Linux (spec §7): a process's jail is its UTS namespace, the jid that namespace's
 * inode (0 for the host, as FreeBSD numbers the host), its name the namespace's hostname. The
 * pdbg node `jail` carries `JID HOSTNAME\n` so that a snapshot keeps jail ids.
 */
import { ParseError } from './errors.js';
import { listProcesses, type EntryErrorHandler } from './listing.js';
import type { ProcFs } from './source.js';
import { jailText } from './status.js';

/** What the `jail` node says. */
export interface JailRef {
  /** 0 = the host; the namespace inode; null = unknown (`-` in the node). */
  jid: number | null;
  /** null = the host (`-`); `?` or `?INODE` when the namespace could not be entered. */
  hostname: string | null;
}

export function formatJailNode(j: JailRef): string {
  return `${j.jid ?? '-'} ${j.hostname ?? '-'}\n`;
}

export function parseJailNode(text: string): JailRef {
  const line = text.trimEnd();
  const sp = line.indexOf(' ');
  if (sp < 0) throw new ParseError('jid', `jail node: expected "JID HOSTNAME", got ${JSON.stringify(line)}`);
  const id = line.slice(0, sp);
  const name = line.slice(sp + 1);
  if (id !== '-' && !/^\d+$/.test(id)) throw new ParseError('jid', `jail node: bad jid ${JSON.stringify(id)}`);
  return { jid: id === '-' ? null : Number(id), hostname: name === '-' ? null : name };
}

/** One jail as `jls` shows it. */
export interface JailInfo {
  /** Namespace inode; null when the source only knows the hostname (a BSD tree). */
  jid: number | null;
  hostname: string;
  /** Addresses of the jail's network namespace, IPv4 first; loopback left out. */
  ips: string[];
  /** Root directory of the jail's first process; null when the source cannot tell. */
  path: string | null;
  /** Every process of the jail, ascending. */
  pids: number[];
}

/**
 * What a source can add about a jail beyond its processes' nodes: the live source reads
 * /proc/PID/net and /proc/PID/root; a snapshot reads what `pdbg snapshot` recorded.
 */
export interface JailDetailSource {
  jailDetails(jid: number | null, hostname: string, firstPid: number): { ips: string[]; path: string | null };
}

function hasJailDetails(fs: ProcFs): fs is ProcFs & JailDetailSource {
  return typeof (fs as Partial<JailDetailSource>).jailDetails === 'function';
}

/**
 * Every jail that has a process, by jid (or by hostname where the source has no ids).
 * Processes whose namespace is unreadable (`?` with no id) are not a jail anyone can name and
 * are left out rather than guessed. `onError` as for listProcesses.
 */
export async function listJails(fs: ProcFs, opts: { onError?: EntryErrorHandler } = {}): Promise<JailInfo[]> {
  const procs = await listProcesses(fs, { fields: ['pid', 'jid', 'jail'], onError: opts.onError });
  const byKey = new Map<string, JailInfo>();
  for (const p of procs) {
    const name = jailText(p.status);
    if (name === null || p.jid === 0) continue;
    if (p.jid === null && name === '?') continue;
    const key = p.jid === null ? `h:${name}` : `j:${p.jid}`;
    let j = byKey.get(key);
    if (!j) byKey.set(key, (j = { jid: p.jid, hostname: name, ips: [], path: null, pids: [] }));
    j.pids.push(p.pid);
  }
  const jails = [...byKey.values()];
  for (const j of jails) {
    if (!hasJailDetails(fs)) continue;
    const d = fs.jailDetails(j.jid, j.hostname, j.pids[0]!);
    j.ips = d.ips;
    j.path = d.path;
  }
  return jails.sort((a, b) => (a.jid ?? Infinity) - (b.jid ?? Infinity) || a.hostname.localeCompare(b.hostname));
}

/** A `-J` list entry: `0` (the host), a jid, or a hostname; comma lists select any of them. */
export function jailMatcher(spec: string): (jid: number | null, hostname: string | null) => boolean {
  const ids = new Set<number>();
  const names = new Set<string>();
  for (const t of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (/^\d+$/.test(t)) ids.add(Number(t));
    else names.add(t);
  }
  return (jid, hostname) =>
    (jid !== null && ids.has(jid)) || (hostname === null ? ids.has(0) : names.has(hostname));
}

/** Whether a `-J` spec needs jail ids (any number but 0); hostnames come with the status line. */
export function matcherNeedsJid(spec: string): boolean {
  return spec.split(',').some((t) => /^\d+$/.test(t.trim()) && Number(t) !== 0);
}
