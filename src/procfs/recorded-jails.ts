/**
 * The jail list of a snapshot (`jails.json` beside the process directories): what `pdbg
 * snapshot` (src/inventory/) writes and the tree source (sources/tree.ts) reads back, so a
 * snapshot keeps each jail's addresses and path. A fact of the model both stand on.
 */
import { ParseError } from './errors.js';

/** What `pdbg snapshot` records about each jail beside the process directories. */
export const JAILS_FILE = 'jails.json';

export interface RecordedJail {
  jid: number | null;
  hostname: string;
  ips: string[];
  path: string | null;
}

/**
 * What `pdbg snapshot` writes to jails.json: an array of {jid, hostname, ips, path}. Anything
 * else is refused with the file, the entry and the field, never handed on to crash a caller.
 */
export function parseRecordedJails(value: unknown, path: string): RecordedJail[] {
  const bad = (what: string): never => {
    throw new ParseError(JAILS_FILE, `${path}: ${what}`);
  };
  if (!Array.isArray(value)) bad(`expected an array of jails, got ${jsonType(value)}`);
  return (value as unknown[]).map((e, i) => {
    if (typeof e !== 'object' || e === null || Array.isArray(e)) return bad(`entry ${i}: expected an object, got ${jsonType(e)}`);
    const r = e as Record<string, unknown>;
    const field = (name: string, want: string) => bad(`entry ${i}: "${name}" should be ${want}, got ${jsonType(r[name])}`);
    if (r.jid !== null && !(typeof r.jid === 'number' && Number.isSafeInteger(r.jid) && r.jid >= 0)) field('jid', 'a non-negative integer or null');
    if (typeof r.hostname !== 'string') field('hostname', 'a string');
    if (!Array.isArray(r.ips)) field('ips', 'an array of strings');
    const k = (r.ips as unknown[]).findIndex((a) => typeof a !== 'string');
    if (k >= 0) bad(`entry ${i}: "ips"[${k}] should be a string, got ${jsonType((r.ips as unknown[])[k])}`);
    if (r.path !== null && typeof r.path !== 'string') field('path', 'a string or null');
    return { jid: r.jid as number | null, hostname: r.hostname as string, ips: r.ips as string[], path: r.path as string | null };
  });
}

function jsonType(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) return 'a fraction';
    return v < 0 ? 'a negative number' : Number.isSafeInteger(v) ? 'a number' : 'a number past 2^53';
  }
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}
