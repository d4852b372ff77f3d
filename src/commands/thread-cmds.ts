/**
 * gdb's thread commands over a session: `info threads`, `thread N`, `thread apply all|N… CMD`.
 *
 * Threads get gdb's numbers: 1 for the main thread, then the next number for each thread in the
 * order the session first sees it (ascending tid within one listing), kept for the session's
 * life, so the numbers a user reads in `info threads` are the ones `thread N` takes even after
 * other threads come and go. Kept beside the Session (a WeakMap), as the value history is: the
 * engine knows threads by tid.
 */
import { ProcfsError } from '../procfs/errors.js';
import type { CommandOutput } from './command-output.js';
import { symbolizer } from './inspect-state.js';
import type { Session } from '../engine/session.js';
import type { ThreadInfo } from '../engine/session-types.js';

interface Numbering {
  readonly byTid: Map<number, number>;
  next: number;
}

const numberings = new WeakMap<Session, Numbering>();

/** The session's threads, each with its gdb number, in number order. */
export async function numberedThreads(s: Session): Promise<(ThreadInfo & { readonly num: number })[]> {
  const list = await s.threads();
  let n = numberings.get(s);
  if (!n) {
    n = { byTid: new Map(), next: 1 };
    numberings.set(s, n);
  }
  const fresh = list.map((t) => t.tid).filter((tid) => !n!.byTid.has(tid)).sort((a, b) => (a === s.pid ? -1 : b === s.pid ? 1 : a - b));
  for (const tid of fresh) n.byTid.set(tid, n.next++);
  return list.map((t) => ({ ...t, num: n!.byTid.get(t.tid)! })).sort((a, b) => a.num - b.num);
}

/** gdb's Target Id column: `LWP 1234 "io_thd_1"`. */
export function targetId(t: ThreadInfo): string {
  return t.name === undefined ? `LWP ${t.tid}` : `LWP ${t.tid} "${t.name.replace(/[\x00-\x1f\x7f"\\]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}"`;
}

function addr16(v: bigint): string {
  return `0x${v.toString(16).padStart(16, '0')}`;
}

/** gdb's `info threads` table: Id, Target Id, Frame; `*` marks the current thread. */
export async function infoThreads(s: Session): Promise<CommandOutput> {
  const list = await numberedThreads(s);
  const symbolize = symbolizer(s);
  const rows = list.map((t) => ({
    id: t.num,
    tid: t.tid,
    name: t.name ?? null,
    current: t.current,
    target: targetId(t),
    frame: t.pc === undefined ? '(running)' : `${addr16(t.pc)} in ${symbolize(t.pc)?.replace(/\+\d+$/, '') ?? '??'} ()`,
  }));
  const w = Math.max(9, ...rows.map((r) => r.target.length));
  const lines = [`  Id   ${'Target Id'.padEnd(w)} Frame `];
  for (const r of rows) lines.push(`${r.current ? '*' : ' '} ${String(r.id).padEnd(4)} ${r.target.padEnd(w)} ${r.frame}`);
  return { lines, data: rows.map((r, i) => ({ ...r, state: list[i]!.state, pc: list[i]!.pc })) };
}

/**
 * A thread as the user names it: gdb's number (`thread 2`), or `lwp TID` for a kernel thread
 * id; a bare number that is no thread's number but is one of the process's tids is taken as a
 * tid, as pdbg's `thread TID` always did.
 */
export async function threadNamed(s: Session, words: readonly string[]): Promise<ThreadInfo & { readonly num: number }> {
  const list = await numberedThreads(s);
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

/** `thread N`: selects it, as gdb says it. */
export async function threadCmd(s: Session, args: readonly string[]): Promise<CommandOutput> {
  const t = await threadNamed(s, args);
  await s.select(t.tid);
  return { lines: [`[Switching to thread ${t.num} (${targetId(t)})]`], data: { current: t.tid, num: t.num } };
}

/**
 * `thread apply all|N… CMD`: CMD in each thread (all: highest number first, as gdb), each
 * output under gdb's `Thread N (…):` header; the selected thread is put back after, also when
 * CMD fails in one (its error is that thread's output, and the others go on).
 */
export async function threadApply(s: Session, args: readonly string[], run: (line: string) => Promise<CommandOutput>): Promise<CommandOutput> {
  const usage = 'usage: thread apply all|N… CMD';
  const list = await numberedThreads(s);
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
  const lines: string[] = [];
  const data: { num: number; tid: number; name: string | null; lines: string[]; result?: unknown; error?: string }[] = [];
  try {
    for (const t of which) {
      lines.push('', `Thread ${t.num} (${targetId(t)}):`);
      await s.select(t.tid);
      try {
        const out = await run(line);
        lines.push(...out.lines);
        data.push({ num: t.num, tid: t.tid, name: t.name ?? null, lines: out.lines, result: out.data });
      } catch (err) {
        if (!(err instanceof ProcfsError)) throw err;
        lines.push(err.message);
        data.push({ num: t.num, tid: t.tid, name: t.name ?? null, lines: [], error: err.message });
      }
    }
  } finally {
    if (s.state === 'stopped') await s.select(back).catch(() => undefined);
  }
  return { lines, data };
}
