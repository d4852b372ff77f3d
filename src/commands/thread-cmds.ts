/**
 * gdb's thread commands over a session: `info threads`, `thread N`, `thread apply all|N… CMD`.
 *
 * Threads get gdb's numbers: 1 for the main thread, then the next number for each thread in the
 * order the session first sees it (ascending tid within one listing), kept for the session's
 * life, so the numbers a user reads in `info threads` are the ones `thread N` takes even after
 * other threads come and go. The numbering is the client's (client.ts): the engine knows
 * threads by tid.
 */
import { ProcfsError } from '../procfs/errors.js';
import type { ThreadInfo } from '../engine/session-types.js';
import type { Client } from './client.js';
import type { Result } from './debug-command.js';

/** The session's threads, each with its gdb number, in number order. */
export async function numberedThreads(c: Client): Promise<(ThreadInfo & { readonly num: number })[]> {
  const s = c.session;
  const list = await s.threads();
  const byTid = c.threadNumbers;
  const fresh = list.map((t) => t.tid).filter((tid) => !byTid.has(tid)).sort((a, b) => (a === s.pid ? -1 : b === s.pid ? 1 : a - b));
  for (const tid of fresh) byTid.set(tid, c.nextThreadNumber++);
  return list.map((t) => ({ ...t, num: byTid.get(t.tid)! })).sort((a, b) => a.num - b.num);
}

/** gdb's Target Id column: `LWP 1234 "io_thd_1"`. */
export function targetId(t: ThreadInfo): string {
  return t.name === undefined ? `LWP ${t.tid}` : `LWP ${t.tid} "${t.name.replace(/[\x00-\x1f\x7f"\\]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}"`;
}

function addr16(v: bigint): string {
  return `0x${v.toString(16).padStart(16, '0')}`;
}

export interface ThreadRow {
  readonly id: number;
  readonly tid: number;
  readonly name: string | null;
  readonly current: boolean;
  readonly target: string;
  readonly frame: string;
  readonly state: ThreadInfo['state'];
  readonly pc: bigint | undefined;
}

/** gdb's `info threads` table (Id, Target Id, Frame), or pdbg's `threads` list (tid, state, where). */
export type ThreadsResult =
  | Result<'thread-table', ThreadRow[]>
  | Result<'thread-list', ThreadInfo[]>;

/** `threads`: pdbg's list, one thread a line, `*` on the current one. */
export async function threadList(c: Client): Promise<ThreadsResult> {
  return { kind: 'thread-list', data: await c.session.threads() };
}

export function formatThreads(r: ThreadsResult): string[] {
  if (r.kind === 'thread-list') return r.data.map((t) => `${t.current ? '*' : ' '} ${String(t.tid).padEnd(7)} ${t.state}${t.where ? ' ' + t.where : ''}`);
  const rows = r.data;
  const w = Math.max(9, ...rows.map((x) => x.target.length));
  const lines = [`  Id   ${'Target Id'.padEnd(w)} Frame `];
  for (const x of rows) lines.push(`${x.current ? '*' : ' '} ${String(x.id).padEnd(4)} ${x.target.padEnd(w)} ${x.frame}`);
  return lines;
}

/** gdb's `info threads` table: Id, Target Id, Frame; `*` marks the current thread. */
export async function infoThreads(c: Client): Promise<ThreadsResult> {
  const list = await numberedThreads(c);
  const symbolize = c.symbolize;
  const rows = list.map((t) => ({
    id: t.num,
    tid: t.tid,
    name: t.name ?? null,
    current: t.current,
    target: targetId(t),
    frame: t.pc === undefined ? '(running)' : `${addr16(t.pc)} in ${symbolize(t.pc)?.replace(/\+\d+$/, '') ?? '??'} ()`,
  }));
  return { kind: 'thread-table', data: rows.map((r, i) => ({ ...r, state: list[i]!.state, pc: list[i]!.pc })) };
}

/**
 * A thread as the user names it: gdb's number (`thread 2`), or `lwp TID` for a kernel thread
 * id; a bare number that is no thread's number but is one of the process's tids is taken as a
 * tid, as pdbg's `thread TID` always did.
 */
export async function threadNamed(c: Client, words: readonly string[]): Promise<ThreadInfo & { readonly num: number }> {
  const s = c.session;
  const list = await numberedThreads(c);
  const lwp = words[0] === 'lwp';
  const text = lwp ? words[1] : words[0];
  if (text === undefined || words.length !== (lwp ? 2 : 1) || !/^\d+$/.test(text)) {
    throw new ProcfsError('EINVAL', `usage: thread N (gdb's number, as info threads shows it) | thread lwp TID`);
  }
  const v = Number(text);
  const t = (lwp ? undefined : list.find((x) => x.num === v)) ?? list.find((x) => x.tid === v);
  if (!t) throw new ProcfsError('ESRCH', lwp ? `no thread with LWP ${v} in pid ${s.pid}` : `Invalid thread ID: ${v} (info threads lists them)`, s.pid);
  return t;
}

export type ThreadSelected = Result<'thread-selected', { current: number; num: number }> & { readonly target: string };

/** `thread N`: selects it, as gdb says it. */
export async function threadCmd(c: Client, args: readonly string[]): Promise<ThreadSelected> {
  const t = await threadNamed(c, args);
  await c.select(t.tid);
  return { kind: 'thread-selected', data: { current: t.tid, num: t.num }, target: targetId(t) };
}

export function formatThreadSelected(r: ThreadSelected): string[] {
  return [`[Switching to thread ${r.data.num} (${r.target})]`];
}

/** One thread's part of `thread apply`: the command's result, or the error it gave there. */
export interface AppliedIn {
  readonly num: number;
  readonly tid: number;
  readonly name: string | null;
  readonly target: string;
  readonly result?: Result;
  /** The result's text (the command's formatter's, with the displays a stop brings). */
  readonly lines: string[];
  readonly error?: string;
}

export type ThreadApplyResult = Result<'thread-apply', { num: number; tid: number; name: string | null; lines: string[]; result?: unknown; error?: string }[]> & {
  readonly each: readonly AppliedIn[];
};

/** What `thread apply` runs in each thread: a command's result and its text. */
export interface Applied {
  readonly result: Result;
  readonly lines: string[];
}

/**
 * `thread apply all|N… CMD`: CMD in each thread (all: highest number first, as gdb), each
 * output under gdb's `Thread N (…):` header; the selected thread is put back after, also when
 * CMD fails in one (its error is that thread's output, and the others go on).
 */
export async function threadApply(c: Client, args: readonly string[], run: (line: string) => Promise<Applied>): Promise<ThreadApplyResult> {
  const s = c.session;
  const usage = 'usage: thread apply all|N… CMD';
  const list = await numberedThreads(c);
  let which: (ThreadInfo & { readonly num: number })[];
  let rest: readonly string[];
  if (args[0] === 'all') {
    which = [...list].reverse();
    rest = args.slice(1);
  } else {
    const nums: number[] = [];
    let i = 0;
    for (; i < args.length && /^\d+(-\d+)?$/.test(args[i]!); i++) {
      const [a, b] = args[i]!.split('-').map(Number);
      for (let k = a!; k <= (b ?? a!); k++) nums.push(k);
    }
    if (nums.length === 0) throw new ProcfsError('EINVAL', usage);
    which = nums.map((k) => {
      const t = list.find((x) => x.num === k);
      if (!t) throw new ProcfsError('ESRCH', `Invalid thread ID: ${k} (info threads lists them)`, s.pid);
      return t;
    });
    rest = args.slice(i);
  }
  if (rest.length === 0) throw new ProcfsError('EINVAL', `${usage}: give a command`);
  const line = rest.join(' ');
  const back = s.current;
  const each: AppliedIn[] = [];
  try {
    for (const t of which) {
      const who = { num: t.num, tid: t.tid, name: t.name ?? null, target: targetId(t) };
      await c.select(t.tid);
      try {
        const out = await run(line);
        each.push({ ...who, result: out.result, lines: out.lines });
      } catch (err) {
        if (!(err instanceof ProcfsError)) throw err;
        each.push({ ...who, lines: [], error: err.message });
      }
    }
  } finally {
    if (s.state === 'stopped') await c.select(back).catch(() => undefined);
  }
  const data = each.map((e) => ({ num: e.num, tid: e.tid, name: e.name, lines: e.lines, ...(e.result ? { result: e.result.data } : { error: e.error! }) }));
  return { kind: 'thread-apply', data, each };
}

/** Each thread under gdb's `Thread N (…):` header, its output or its error. */
export function formatThreadApply(r: ThreadApplyResult): string[] {
  return r.each.flatMap((e) => ['', `Thread ${e.num} (${e.target}):`, ...(e.error !== undefined ? [e.error] : e.lines)]);
}
