/**
 * A stop or exit as a command answers it: the event, where its pc is, and gdb-like text. The
 * commands that run the target (step, continue, until, signal, finish, kill) and the one-shot
 * `pdbg step|run` answer it.
 */
import { describeStop, type StopEvent } from '../engine/events.js';
import type { Session } from '../engine/session.js';
import type { Result } from './debug-command.js';

/** The event's own fields, `where` (its pc with a symbol) and `text` (describeStop's line). */
export type StopData = StopEvent & { readonly where?: string; readonly text: string };

export type StopResult = Result<'stop', StopData> & { readonly stop: StopEvent };

/** A stop event as data: kind, thread, pc with its symbol, and the kind's own fields. */
export function stopData(s: Session, ev: StopEvent): StopData {
  const where = 'pc' in ev ? { where: s.describe(ev.pc) } : {};
  return { ...ev, ...where, text: describeStop(ev, (pc) => s.describe(pc)) };
}

export function stopResult(s: Session, ev: StopEvent): StopResult {
  return { kind: 'stop', data: stopData(s, ev), stop: ev };
}

export function formatStop(r: StopResult): string[] {
  return [r.data.text];
}
