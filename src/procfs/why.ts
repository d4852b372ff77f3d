import { ParseError } from './errors.js';

/**
 * The `why` node (pdbg): one line saying where a traced target stands and why it last stopped.
 * BSD has no such node (its debugger learns it from wait4's status); pdbg needs it because
 * ptrace reports more than a signal number: a single step, an int3, an exec, a new thread.
 *
 *   running | stopped TID attach | stopped TID interrupt | stopped TID step
 *   stopped TID trap ADDR | stopped TID signal NAME | stopped TID exec | stopped TID clone NEWTID
 *   stopped TID fork CHILD | stopped TID vfork CHILD | stopped TID vforkdone
 *   exited CODE | killed NAME | detached | untraced
 *
 * `trap ADDR` is an int3 (si_code SI_KERNEL): ADDR is the pc after it, so a breakpoint planted
 * at A reports A+1 (the engine maps pc-1 onto its table). A SIGTRAP sent by kill is
 * `signal trap`; a finished single step (TRAP_TRACE, or TRAP_BRKPT at the exit of a stepped
 * `syscall`) is `step`.
 *
 * `fork CHILD` / `vfork CHILD`: the thread created process CHILD, which is traced too and held at
 * its first instruction, so the debugger can take its breakpoints out before it runs (a forked
 * child inherits every 0xCC). `vforkdone`: the vfork child has exec'd or exited, the parent's
 * memory is its own again.
 */
export type StopReason =
  | { readonly reason: 'attach' }
  | { readonly reason: 'interrupt' }
  | { readonly reason: 'step' }
  | { readonly reason: 'trap'; readonly addr: bigint }
  | { readonly reason: 'signal'; readonly signal: string }
  | { readonly reason: 'exec' }
  | { readonly reason: 'clone'; readonly newTid: number }
  | { readonly reason: 'fork' | 'vfork'; readonly child: number }
  | { readonly reason: 'vforkdone' };

export type Why =
  | { readonly state: 'running' }
  | ({ readonly state: 'stopped'; readonly tid: number } & StopReason)
  | { readonly state: 'exited'; readonly code: number }
  | { readonly state: 'killed'; readonly signal: string }
  | { readonly state: 'detached' }
  | { readonly state: 'untraced' };

export function formatWhy(w: Why): string {
  switch (w.state) {
    case 'running':
    case 'detached':
    case 'untraced':
      return w.state;
    case 'exited':
      return `exited ${w.code}`;
    case 'killed':
      return `killed ${w.signal}`;
    case 'stopped': {
      const head = `stopped ${w.tid} ${w.reason}`;
      switch (w.reason) {
        case 'trap': return `${head} 0x${w.addr.toString(16)}`;
        case 'signal': return `${head} ${w.signal}`;
        case 'clone': return `${head} ${w.newTid}`;
        case 'fork':
        case 'vfork': return `${head} ${w.child}`;
        default: return head;
      }
    }
  }
}

function int(field: string, s: string | undefined, line: string): number {
  if (s === undefined || !/^\d+$/.test(s)) throw new ParseError(field, `why: ${field} must be a decimal number, got '${s ?? ''}'`, line);
  // Tids and exit codes are 32-bit; past 2^53-1 Number() would round, so such a line is refused.
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new ParseError(field, `why: ${field} out of range: '${s}'`, line);
  return n;
}

function arity(t: string[], n: number, line: string): void {
  if (t.length !== n) throw new ParseError(t[0] ?? 'state', `why: '${t.slice(0, 3).join(' ')}' takes ${n - 1} fields`, line);
}

export function parseWhy(line: string): Why {
  const t = line.trim().split(' ');
  switch (t[0]) {
    case 'running':
    case 'detached':
    case 'untraced':
      arity(t, 1, line);
      return { state: t[0] };
    case 'exited':
      arity(t, 2, line);
      return { state: 'exited', code: int('code', t[1], line) };
    case 'killed':
      arity(t, 2, line);
      if (!/^[a-z0-9+]+$/.test(t[1]!)) throw new ParseError('signal', `why: bad signal name '${t[1]}'`, line);
      return { state: 'killed', signal: t[1]! };
    case 'stopped': {
      const tid = int('tid', t[1], line);
      switch (t[2]) {
        case 'attach':
        case 'interrupt':
        case 'step':
        case 'exec':
        case 'vforkdone':
          arity(t, 3, line);
          return { state: 'stopped', tid, reason: t[2] };
        case 'trap':
          arity(t, 4, line);
          if (!/^0x[0-9a-f]+$/i.test(t[3]!)) throw new ParseError('addr', `why: trap address must be 0x-hex, got '${t[3]}'`, line);
          return { state: 'stopped', tid, reason: 'trap', addr: BigInt(t[3]!) };
        case 'signal':
          arity(t, 4, line);
          if (!/^[a-z0-9+]+$/.test(t[3]!)) throw new ParseError('signal', `why: bad signal name '${t[3]}'`, line);
          return { state: 'stopped', tid, reason: 'signal', signal: t[3]! };
        case 'clone':
          arity(t, 4, line);
          return { state: 'stopped', tid, reason: 'clone', newTid: int('newtid', t[3], line) };
        case 'fork':
        case 'vfork':
          arity(t, 4, line);
          return { state: 'stopped', tid, reason: t[2], child: int('child', t[3], line) };
        default:
          throw new ParseError('reason', `why: unknown stop reason '${t[2] ?? ''}'`, line);
      }
    }
    default:
      throw new ParseError('state', `why: unknown state '${t[0] ?? ''}'`, line);
  }
}

const STEP_SUFFIX = Buffer.from(' step');

/**
 * Whether the why bytes `buf[0..n)` say `stopped TID step` (a plain finished step), newline or
 * not, without decoding the line: the step loops ask this once per step.
 */
export function isPlainStep(buf: Uint8Array, n: number): boolean {
  let end = n;
  if (end > 0 && buf[end - 1] === 0x0a) end--;
  if (end < STEP_SUFFIX.length + 8) return false;
  for (let i = 0; i < STEP_SUFFIX.length; i++) if (buf[end - STEP_SUFFIX.length + i] !== STEP_SUFFIX[i]) return false;
  return buf[0] === 0x73; // 's'topped
}
