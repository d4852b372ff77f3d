/**
 * `trace` and `untrace` in the command table (pdbg script, the TUI's command line). `trace
 * SYM[,SYM…] [--args N] [--ret]` plants the trace's action breakpoints and returns at once;
 * the calls are written as they happen during the following `continue` (or `until`, `finish`…),
 * which runs on as usual: trace points never stop it. The lines go to whoever listens with
 * the client's onTraceOutput (the script prints them between the command and its result, the
 * TUI puts them in its log pane). `untrace` lifts them all and answers the calls per function.
 */
import { ProcfsError } from '../procfs/errors.js';
import { Tracer } from '../engine/trace.js';
import { formatCountTable } from '../engine/trace-format.js';
import type { Client } from './client.js';
import type { Result } from './debug-command.js';

export interface TraceWords {
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

export type TraceResult = Result<'trace', { traced: { spec: string; id: number; addr: bigint | null; pending: boolean }[]; args: number; ret: boolean }> & {
  readonly specs: readonly string[];
  /** describe() of each planted address, in order (null while pending). */
  readonly wheres: readonly (string | null)[];
};

export async function traceCommand(c: Client, w: TraceWords): Promise<TraceResult> {
  const s = c.session;
  let t = c.tracer;
  if (t) {
    const o = t.options;
    if ((w.args !== undefined && w.args !== o.args) || (w.ret && !o.ret)) {
      throw new ProcfsError('EINVAL', `already tracing with --args ${o.args}${o.ret ? ' --ret' : ''}: untrace first to change them`);
    }
  } else {
    t = new Tracer(s, (line) => c.publishTrace(line), { ret: w.ret, pending: true, ...(w.args !== undefined ? { args: w.args } : {}) });
    c.tracer = t;
  }
  const added = await t.add(w.specs);
  return {
    kind: 'trace',
    specs: w.specs,
    wheres: added.map((a) => (a.addr !== undefined ? s.describe(a.addr) : null)),
    data: { traced: added.map((a) => ({ spec: a.spec, id: a.id, addr: a.addr ?? null, pending: a.addr === undefined })), ...t.options },
  };
}

export function formatTrace(r: TraceResult): string[] {
  const lines = r.data.traced.map((a, i) => !a.pending
    ? `tracing ${a.spec} (breakpoint ${a.id} at ${r.wheres[i]})`
    : `tracing ${a.spec} (breakpoint ${a.id}) pending: no loaded module defines it; planted when a library that does is loaded`);
  if (lines.length === 0) lines.push(`already tracing ${r.specs.join(', ')}`);
  return lines;
}

export type UntraceResult = Result<'untrace', { counts: ReturnType<Tracer['counts']> }> & { readonly tracing: boolean };

export async function untraceCommand(c: Client): Promise<UntraceResult> {
  const t = c.tracer;
  if (!t) return { kind: 'untrace', tracing: false, data: { counts: [] } };
  c.tracer = undefined;
  // Calls still waiting for their return are written now (`= ?`), before the table.
  const counts = t.counts();
  await t.remove();
  return { kind: 'untrace', tracing: true, data: { counts } };
}

export function formatUntrace(r: UntraceResult): string[] {
  return r.tracing ? formatCountTable(r.data.counts) : ['not tracing'];
}
