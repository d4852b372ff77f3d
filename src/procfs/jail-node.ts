/**
 * The pdbg node `jail` (spec §7): `JID HOSTNAME\n`, so that a snapshot keeps jail ids. On Linux
 * a process's jail is its UTS namespace, the jid that namespace's inode (0 for the host, as
 * FreeBSD numbers the host), its name the namespace's hostname.
 */
import { ParseError } from './errors.js';

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
