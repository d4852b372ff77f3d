/**
 * `trace` and `untrace` in the command table (pdbg script, the TUI's command line). `trace
 * SYM[,SYM…] [--args N] [--ret]` plants the trace's action breakpoints and returns at once;
 * the calls are written as they happen during the following `continue` (or `until`, `finish`…),
 * which runs on as usual: trace points never stop it. The lines go to whoever listens with
 * onTraceOutput (the script prints them between the command and its result, the TUI puts them
 * in its log pane). `untrace` lifts them all and answers the calls per function.
 */
import { ProcfsError } from '../procfs/errors.js';
import type { CommandOutput } from './command-output.js';
import type { Session } from '../engine/session.js';
import { Tracer } from '../engine/trace.js';
import { formatCountTable } from '../engine/trace-format.js';

type Listener = (line: string) => void;

const tracers = new WeakMap<Session, Tracer>();
const listeners = new WeakMap<Session, Set<Listener>>();

/** Subscribes to the trace lines of `s` (the `trace` command's); returns the unsubscriber. */
export function onTraceOutput(s: Session, fn: Listener): () => void {
  let set = listeners.get(s);
  if (!set) listeners.set(s, (set = new Set()));
  set.add(fn);
  return () => set!.delete(fn);
}

function publish(s: Session, line: string): void {
  const set = listeners.get(s);
  if (set) for (const fn of set) fn(line);
}

interface TraceWords {
  readonly specs: string[];
  readonly args?: number;
  readonly ret: boolean;
}

/** `SYM[,SYM…] [--args N] [--ret]`, the symbols possibly in several words. */
export function parseTraceWords(words: readonly string[], usage: string): TraceWords {
  const specs: string[] = [];
  let args: number | undefined;
  let ret = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--ret') ret = true;
    else if (w === '--args' || w.startsWith('--args=')) {
      const v = w === '--args' ? words[++i] : w.slice('--args='.length);
      if (v === undefined || !/^[0-6]$/.test(v)) throw new ProcfsError('EINVAL', `--args: 0 to 6 argument registers, not '${v ?? ''}'`);
      args = Number(v);
    } else if (w.startsWith('-')) throw new ProcfsError('EINVAL', `unknown option '${w}' (usage: ${usage})`);
    else specs.push(...w.split(',').map((x) => x.trim()).filter(Boolean));
  }
  if (specs.length === 0) throw new ProcfsError('EINVAL', `usage: ${usage}`);
  return { specs, ret, ...(args !== undefined ? { args } : {}) };
}

export async function traceCommand(s: Session, words: readonly string[], usage: string): Promise<CommandOutput> {
  const w = parseTraceWords(words, usage);
  let t = tracers.get(s);
  if (t) {
    const o = t.options;
    if ((w.args !== undefined && w.args !== o.args) || (w.ret && !o.ret)) {
      throw new ProcfsError('EINVAL', `already tracing with --args ${o.args}${o.ret ? ' --ret' : ''}: untrace first to change them`);
    }
  } else {
    t = new Tracer(s, (line) => publish(s, line), { ret: w.ret, pending: true, ...(w.args !== undefined ? { args: w.args } : {}) });
    tracers.set(s, t);
  }
  const added = await t.add(w.specs);
  const lines = added.map((a) => a.addr !== undefined
    ? `tracing ${a.spec} (breakpoint ${a.id} at ${s.describe(a.addr)})`
    : `tracing ${a.spec} (breakpoint ${a.id}) pending: no loaded module defines it; planted when a library that does is loaded`);
  if (lines.length === 0) lines.push(`already tracing ${w.specs.join(', ')}`);
  return { lines, data: { traced: added.map((a) => ({ spec: a.spec, id: a.id, addr: a.addr ?? null, pending: a.addr === undefined })), ...t.options } };
}

export async function untraceCommand(s: Session): Promise<CommandOutput> {
  const t = tracers.get(s);
  if (!t) return { lines: ['not tracing'], data: { counts: [] } };
  tracers.delete(s);
  // Calls still waiting for their return are written now (`= ?`), before the table.
  const counts = t.counts();
  await t.remove();
  return { lines: formatCountTable(counts), data: { counts } };
}
