/**
 * Jails as `jls` lists them: every jail that has a process (the node format is jail-node.ts).
 */
import type { EntryErrorHandler } from '../procfs/process-info.js';
import type { ProcFs } from '../procfs/source.js';
import { jailText } from '../procfs/status.js';
import { listProcesses } from './listing.js';

// The node format and the -J matcher, where library users have always imported them.
export { formatJailNode, parseJailNode, type JailRef } from '../procfs/jail-node.js';
export { jailMatcher, matcherNeedsJid } from './jail-match.js';

/** One jail as `jls` shows it. */
export interface JailInfo {
  /** Namespace inode; null when the source only knows the hostname (a BSD tree). */
  jid: number | null;
  hostname: string;
  /** Addresses of the jail's network namespace, IPv4 first; loopback left out. */
  ips: string[];
  /** Root directory of the jail's init (live source); `?` when unreadable; null when the source cannot tell. */
  path: string | null;
  /** Every process of the jail, ascending. */
  pids: number[];
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
  const details = fs.capabilities.jailDetails;
  for (const j of jails) {
    if (!details) continue;
    const d = details.jailDetails(j.jid, j.hostname, j.pids[0]!);
    j.ips = d.ips;
    j.path = d.path;
  }
  return jails.sort((a, b) => (a.jid ?? Infinity) - (b.jid ?? Infinity) || a.hostname.localeCompare(b.hostname));
}
