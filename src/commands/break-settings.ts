/**
 * gdb's `set breakpoint pending auto|on|off` for one session, and what `break` says of a name
 * nothing defines. Interactive use (the TUI's command line) is `auto`: a name no loaded module
 * defines becomes a pending breakpoint, said so. A script is gdb's batch mode: `off`, so
 * `break scael` is an error ("Function "scael" not defined.") with the close names, not a
 * pending breakpoint that makes the next `continue` wait for ever; `set breakpoint pending on`
 * or `break -p NAME` asks for pending there. Stopped in the dynamic linker (the exec stop) no
 * library is loaded yet, so a name may well come: pending there in every mode.
 * The mode is the client's (client.ts), as the value history is: the engine does not need it.
 */
import { ProcfsError } from '../procfs/errors.js';
import type { Session } from '../engine/session.js';
import type { PendingMode } from './client.js';

export type { PendingMode } from './client.js';

/** The `set breakpoint pending auto|on|off` word, checked. */
export function parsePendingMode(word: string | undefined): PendingMode {
  if (word === 'auto' || word === 'on' || word === 'off') return word;
  throw new ProcfsError('EINVAL', `usage: set breakpoint pending auto|on|off (got '${word ?? ''}')`);
}

/** Levenshtein distance, cut off past `limit` (names differ by a typo or two). */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < best) best = v;
    }
    if (best > limit) return limit + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

/** Function names of the process within a typo or two of `name`, closest first (at most 3). */
export async function closeNames(s: Session, name: string): Promise<string[]> {
  const syms = await s.symbolTable();
  if (!syms) return [];
  const limit = name.length <= 4 ? 1 : 2;
  const found = new Map<string, number>();
  for (const m of syms.modules) {
    for (const sym of m.symbols) {
      if (sym.kind !== 'func' || sym.table === 'plt' || found.has(sym.name)) continue;
      const d = distance(name, sym.name, limit);
      if (d <= limit) found.set(sym.name, d);
    }
  }
  return [...found].sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0])).slice(0, 3).map(([n]) => n);
}

/** gdb's batch-mode refusal, with pdbg's suggestions and the way to ask for pending. */
export async function notDefined(s: Session, name: string): Promise<ProcfsError> {
  const close = await closeNames(s, name);
  const hint = close.length ? ` Did you mean ${close.join(', ')}?` : '';
  return new ProcfsError('ENOENT', `Function "${name}" not defined.${hint} (break -p ${name} waits for a library that defines it)`, s.pid);
}
