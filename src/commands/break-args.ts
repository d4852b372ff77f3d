/**
 * The words of gdb's breakpoint commands: `LOCATION [if COND]` and breakpoint numbers
 * (`2`, `1 3`, ranges `1-3`).
 */
import { ProcfsError } from '../procfs/errors.js';

export interface BreakArgs {
  /** `main`, `target_fn+4`, `0x401136`, `*$pc+4`. */
  readonly location: string;
  readonly condition?: string;
}

/** Splits at the first ` if ` (gdb's keyword); an empty condition is refused. */
export function parseBreakArgs(text: string, usage: string): BreakArgs {
  const t = text.trim();
  const m = /^(.*?)\s+if(?:\s+(.*)|\s*)$/.exec(t) ?? /^()if(?:\s+(.*)|\s*)$/.exec(t);
  const location = (m ? m[1]! : t).trim();
  if (location === '') throw new ProcfsError('EINVAL', `usage: ${usage}`);
  if (/\s/.test(location) && !location.startsWith('*')) throw new ProcfsError('EINVAL', `junk at end of location '${location}' (usage: ${usage})`);
  if (!m) return { location };
  const condition = (m[2] ?? '').trim();
  if (condition === '') throw new ProcfsError('EINVAL', "argument required (an expression after 'if')");
  return { location, condition };
}

/** `1 3 5-7` → [1, 3, 5, 6, 7]. */
export function parseBreakNumbers(words: readonly string[]): number[] {
  const out: number[] = [];
  for (const w of words) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(w);
    if (!m) throw new ProcfsError('EINVAL', `not a breakpoint number: '${w}'`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo || hi - lo > 10_000) throw new ProcfsError('EINVAL', `bad breakpoint range '${w}'`);
    for (let i = lo; i <= hi; i++) out.push(i);
  }
  return out;
}
