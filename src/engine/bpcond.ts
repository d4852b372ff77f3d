/**
 * What a breakpoint hit means once its condition and ignore count are weighed, in gdb's order
 * (breakpoint.c `bpstat_check_breakpoint_conditions`): a false condition passes silently and is
 * not counted; a true one (or none) counts a hit; then an ignore count left passes it (counted,
 * one less to ignore). A condition that cannot be evaluated stops, with gdb's message.
 * Evaluated in the engine on every hit: no round trip to a client.
 */
import type { StopPoint } from './breakpoints.js';
import { evaluate, parseExpr, type EvalContext, type Expr } from './expr.js';

/** The hit stops (with the condition's error, if it had one) or passes on. */
export type HitVerdict = { readonly stop: true; readonly conditionError?: string } | { readonly stop: false };

const parsed = new Map<string, Expr>();

/** The condition's tree, parsed once per text (a loop hits the same breakpoint thousands of times). */
export function conditionExpr(text: string): Expr {
  let e = parsed.get(text);
  if (!e) {
    e = parseExpr(text);
    if (parsed.size > 256) parsed.clear();
    parsed.set(text, e);
  }
  return e;
}

const STOP: HitVerdict = { stop: true };
const PASS: HitVerdict = { stop: false };

/**
 * The verdict without evaluating anything, for a breakpoint with no condition (every hit of a
 * trace): counted, and passed while an ignore count is left. Undefined when there is a condition
 * to evaluate (weighHit). Synchronous and allocation-free: no context, no promise per hit.
 */
export function weighPlain(bp: StopPoint): HitVerdict | undefined {
  if (bp.condition !== undefined) return undefined;
  bp.hits++;
  if (bp.ignoreCount > 0) {
    bp.ignoreCount--;
    return PASS;
  }
  return STOP;
}

export async function weighHit(bp: StopPoint, ctx: EvalContext): Promise<HitVerdict> {
  let conditionError: string | undefined;
  if (bp.condition !== undefined) {
    try {
      const v = await evaluate(conditionExpr(bp.condition), ctx);
      if (v.bits === 0n) return { stop: false };
    } catch (err) {
      conditionError = `Error in testing condition for breakpoint ${bp.id}: ${(err as Error).message}`;
    }
  }
  bp.hits++;
  if (conditionError === undefined && bp.ignoreCount > 0) {
    bp.ignoreCount--;
    return { stop: false };
  }
  return conditionError === undefined ? { stop: true } : { stop: true, conditionError };
}
