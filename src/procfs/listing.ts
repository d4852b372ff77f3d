/**
 * Process listings: `ProcessInfo` objects for `pdbg ps`, the TUI and library users. Only what
 * the chosen fields need is read (cmdline only for `args`, the jail node only for `jid`).
 */
import { ParseError, ProcfsError } from './errors.js';
import { jailMatcher, matcherNeedsJid, parseJailNode } from './jail.js';
import type { ProcFs } from './source.js';
import { jailText, parseStatusBytes, type ProcStatus } from './status.js';

/** ps keywords pdbg knows (FreeBSD names where FreeBSD has them, bin/ps/keyword.c). */
export const PS_FIELDS = [
  'pid', 'ppid', 'pgid', 'sid', 'tty', 'uid', 'ruid', 'gid', 'rgid', 'state', 'comm', 'args',
  'jail', 'jid', 'wchan', 'time', 'start',
] as const;
export type PsField = (typeof PS_FIELDS)[number];

export function isPsField(s: string): s is PsField {
  return (PS_FIELDS as readonly string[]).includes(s);
}

/** One process of a listing: its parsed status line plus what ps shows beyond it. */
export interface ProcessInfo {
  pid: number;
  /** The status line's fields; from the live source `wchan` is null unless the `wchan` field was asked for. */
  status: ProcStatus;
  /** 0 = the host; the jail's id (UTS namespace inode); null = unknown or not asked for. */
  jid: number | null;
  /** Linux's one-letter state (R S D Z T t I …); null where the source has none (a BSD tree). */
  state: string | null;
  /** argv; null unless `args` was asked for (or the process has none: a kernel thread). */
  args: string[] | null;
}

/** What a listing must read beyond the status line. */
export interface ListWants {
  jid: boolean;
  args: boolean;
  /** The live source reads /proc/PID/wchan (a file per process) only when asked. */
  wchan: boolean;
}

/**
 * What a listing does with one process it cannot read (a tree's status that is a FIFO, a
 * symlink loop, a malformed line): given, the process is left out and the error handed over, so
 * one bad entry does not hide the others, as `ls` lists a directory around an unreadable entry;
 * absent, the error is thrown. Processes that vanish mid-listing (ESRCH) are skipped either way.
 */
export type EntryErrorHandler = (err: ProcfsError | ParseError, pid: number) => void;

/**
 * Sources that can describe many processes at once without going through promise-per-node
 * reads (both of pdbg's own sources). Processes that vanish mid-listing are skipped.
 */
export interface ProcessDescriber {
  describe(pids: readonly number[], want: ListWants, onError?: EntryErrorHandler): Promise<ProcessInfo[]>;
}

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

function isDescriber(fs: ProcFs): fs is ProcFs & ProcessDescriber {
  return typeof (fs as Partial<ProcessDescriber>).describe === 'function';
}

export function splitCmdline(buf: Uint8Array): string[] {
  const text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('utf8');
  if (text === '') return [];
  const args = text.split('\0');
  if (args[args.length - 1] === '') args.pop();
  return args;
}

/** The generic path for any ProcFs: status, and the jail and cmdline nodes when asked. */
async function describeThroughNodes(fs: ProcFs, pids: readonly number[], want: ListWants, onError?: EntryErrorHandler): Promise<ProcessInfo[]> {
  const out: ProcessInfo[] = [];
  for (const pid of pids) {
    try {
      const status = parseStatusBytes(await fs.read(pid, 'status'));
      let jid: number | null = status.jail === null ? 0 : null;
      if (want.jid && jid === null) {
        try {
          jid = parseJailNode((await fs.read(pid, 'jail')).toString('utf8')).jid;
        } catch (err) {
          if (!(err instanceof ProcfsError) || err.code === 'ESRCH') throw err;
        }
      }
      const args = want.args ? splitCmdline(await fs.read(pid, 'cmdline')) : null;
      out.push({ pid, status, jid, state: null, args });
    } catch (err) {
      if (err instanceof ProcfsError && err.code === 'ESRCH') continue;
      if (onError && (err instanceof ProcfsError || err instanceof ParseError)) {
        onError(err, pid);
        continue;
      }
      throw err;
    }
  }
  return out;
}

/** Every process (or `opts.pids`) of a source, ascending by pid. */
export async function listProcesses(fs: ProcFs, opts: ListOptions = {}): Promise<ProcessInfo[]> {
  const fields = opts.fields ?? PS_FIELDS.filter((f) => f !== 'args');
  const want: ListWants = {
    jid: fields.includes('jid') || (opts.jail !== undefined && matcherNeedsJid(opts.jail)),
    args: fields.includes('args'),
    wchan: fields.includes('wchan'),
  };
  let pids = await fs.pids();
  if (opts.pids) {
    const wanted = new Set(opts.pids);
    pids = pids.filter((p) => wanted.has(p));
  }
  const all = isDescriber(fs) ? await fs.describe(pids, want, opts.onError) : await describeThroughNodes(fs, pids, want, opts.onError);
  if (opts.jail === undefined) return all;
  const match = jailMatcher(opts.jail);
  return all.filter((p) => match(p.jid, jailText(p.status)));
}

/** The status of one process, parsed; ESRCH for an unknown pid. */
export async function readStatus(fs: ProcFs, pid: number): Promise<ProcStatus> {
  return parseStatusBytes(await fs.read(pid, 'status'));
}
