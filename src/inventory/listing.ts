/**
 * Process listings: `ProcessInfo` objects for `pdbg ps`, the TUI and library users. Only what
 * the chosen fields need is read (cmdline only for `args`, the jail node only for `jid`).
 */
import { describeThroughNodes } from '../procfs/describe-nodes.js';
import type { EntryErrorHandler, ListWants, ProcessInfo } from '../procfs/process-info.js';
import type { ProcFs } from '../procfs/source.js';
import { jailText, parseStatusBytes, type ProcStatus } from '../procfs/status.js';
import { jailMatcher, matcherNeedsJid } from './jail-match.js';

/** ps keywords pdbg knows (FreeBSD names where FreeBSD has them, bin/ps/keyword.c). */
export const PS_FIELDS = [
  'pid', 'ppid', 'pgid', 'sid', 'tty', 'uid', 'ruid', 'gid', 'rgid', 'state', 'comm', 'args',
  'jail', 'jid', 'wchan', 'time', 'start',
] as const;
export type PsField = (typeof PS_FIELDS)[number];

export function isPsField(s: string): s is PsField {
  return (PS_FIELDS as readonly string[]).includes(s);
}

// The listing's types, where library users have always imported them.
export type { EntryErrorHandler, ListWants, ProcessInfo } from '../procfs/process-info.js';
export { splitCmdline } from '../procfs/cmdline.js';

export interface ListOptions {
  /** ps keywords the caller will show; default: every field but `args`. */
  fields?: readonly PsField[];
  /** Only these pids (unknown ones are skipped; use readStatus for one pid's error). */
  pids?: readonly number[];
  /** `-J` spec: comma list of jids, hostnames, `0` for the host. */
  jail?: string;
  /** Where the errors of unreadable processes go instead of ending the listing. */
  onError?: EntryErrorHandler;
}

const CRED_FIELDS: ReadonlySet<PsField> = new Set<PsField>(['uid', 'ruid', 'gid', 'rgid']);

/** Every process (or `opts.pids`) of a source, ascending by pid. */
export async function listProcesses(fs: ProcFs, opts: ListOptions = {}): Promise<ProcessInfo[]> {
  const fields = opts.fields ?? PS_FIELDS.filter((f) => f !== 'args');
  const want: ListWants = {
    jid: fields.includes('jid') || (opts.jail !== undefined && matcherNeedsJid(opts.jail)),
    args: fields.includes('args'),
    wchan: fields.includes('wchan'),
    creds: fields.some((f) => CRED_FIELDS.has(f)),
  };
  let pids = await fs.pids();
  if (opts.pids) {
    const wanted = new Set(opts.pids);
    pids = pids.filter((p) => wanted.has(p));
  }
  const describer = fs.capabilities.describer;
  const all = describer ? await describer.describe(pids, want, opts.onError) : await describeThroughNodes(fs, pids, want, opts.onError);
  if (opts.jail === undefined) return all;
  const match = jailMatcher(opts.jail);
  return all.filter((p) => match(p.jid, jailText(p.status)));
}

/** The status of one process, parsed; ESRCH for an unknown pid. */
export async function readStatus(fs: ProcFs, pid: number): Promise<ProcStatus> {
  return parseStatusBytes(await fs.read(pid, 'status'));
}
