import { ProcfsError, type ErrnoName } from './errors.js';
import { parseSignal, type Signal } from './signals.js';

/**
 * The `ctl` node: words written to it, their preconditions and their errnos (spec §3, FreeBSD
 * `procfs_ctl.c`). The effects live in the source (sources/linux/control.ts over ptrace); this
 * file is the whole answer to "what may I write, and when".
 *
 * BSD semantics kept on purpose:
 * - `attach` does not wait: write `wait` after it.
 * - `step` does not wait either: it resumes one instruction; the caller writes `wait`.
 * - `run` resumes with NO signal: a signal the target stopped on is discarded unless the
 *   caller resumes with that signal's word instead (PT_CONTINUE with data 0).
 */
export type CtlVerb =
  | 'attach'
  | 'detach'
  | 'step'
  | 'run'
  | 'wait'
  /** pdbg: detach and leave the target in a job-control stop (SIGSTOP), for one-shot commands. */
  | 'detach-stopped'
  /** pdbg: stop every thread of a running traced target without a signal (PTRACE_INTERRUPT). */
  | 'interrupt';

export type CtlWord =
  | { readonly kind: 'verb'; readonly verb: CtlVerb }
  | { readonly kind: 'signal'; readonly signal: Signal };

export interface CtlWordInfo {
  readonly word: CtlVerb;
  /** True for pdbg's words that BSD's ctl does not know. */
  readonly extension: boolean;
  readonly help: string;
}

export const CTL_VERBS: readonly CtlWordInfo[] = [
  { word: 'attach', extension: false, help: 'become the tracer and stop every thread; does not wait' },
  { word: 'wait', extension: false, help: 'block until the target stops or exits; EBUSY if it is then not in trace-wait' },
  { word: 'step', extension: false, help: 'resume the chosen thread for one instruction; does not wait' },
  { word: 'run', extension: false, help: 'resume every thread with no signal; does not wait' },
  { word: 'detach', extension: false, help: 'stop tracing; the target runs (a job-control stop from before attach stays)' },
  { word: 'detach-stopped', extension: true, help: 'stop tracing and leave the target stopped (SIGSTOP)' },
  { word: 'interrupt', extension: true, help: 'stop a running traced target, no signal (PTRACE_INTERRUPT)' },
];

const VERBS = new Set<string>(CTL_VERBS.map((v) => v.word));

/**
 * One written word. `strict`: exactly as BSD matches (trailing whitespace dropped, lowercase,
 * BSD signal names only). Otherwise pdbg's extensions too: any case and surrounding blanks for
 * the verbs, `SIG` prefixes, upper case and numbers for signals. Unknown → EOPNOTSUPP.
 */
// Words as the engine writes them, parsed once: a step loop writes `step` and `wait` 40k times a second.
const parsedWords = new Map<string, CtlWord>();

export function parseCtl(text: string | Uint8Array, strict = false): CtlWord {
  if (typeof text === 'string' && !strict) {
    const known = parsedWords.get(text);
    if (known) return known;
    const word = parseCtlWord(text, false);
    if (parsedWords.size < 256) parsedWords.set(text, word);
    return word;
  }
  return parseCtlWord(text, strict);
}

function parseCtlWord(text: string | Uint8Array, strict: boolean): CtlWord {
  const raw = typeof text === 'string' ? text : Buffer.from(text).toString('latin1');
  const word = strict ? raw.replace(/\s+$/, '') : raw.trim().toLowerCase();
  if (VERBS.has(word)) {
    const info = CTL_VERBS.find((v) => v.word === word)!;
    if (!(strict && info.extension)) return { kind: 'verb', verb: info.word };
  }
  if (word === '') throw new ProcfsError('EOPNOTSUPP', 'ctl: empty control word', undefined, 'ctl');
  try {
    return { kind: 'signal', signal: parseSignal(word, strict) };
  } catch (e) {
    if (e instanceof ProcfsError && /does not exist on Linux/.test(e.message)) {
      throw new ProcfsError('EOPNOTSUPP', `ctl: ${e.message}`, undefined, 'ctl');
    }
    throw new ProcfsError('EOPNOTSUPP', `ctl: unknown control word '${raw.replace(/\s+$/, '')}'`, undefined, 'ctl');
  }
}

/**
 * Where the target stands relative to the writer, which is all the errno rules look at.
 * "Trace-wait" = stopped, traced, and traced by the writer.
 */
export type TraceState =
  | 'untraced'        // nobody traces it
  | 'other-tracer'    // somebody else does
  | 'running'         // we trace it and it runs
  | 'trace-wait'      // we trace it and it is stopped
  | 'exited'          // we traced it and it is gone (exit or kill)
  | 'self';           // the writer itself

/**
 * The errno a word gets in a state, with the sentence pdbg prints; null = allowed.
 * `exitNote` completes "process N …" for a gone target: `exited (code 3)`, `was killed by signal kill`.
 */
export function ctlPrecondition(word: CtlWord, state: TraceState, pid: number, exitNote = 'exited'): ProcfsError | null {
  const no = (code: ErrnoName, msg: string) => new ProcfsError(code, `pid ${pid}: ${msg}`, pid, 'ctl');
  const verb = word.kind === 'verb' ? word.verb : 'signal';
  if (state === 'exited' && verb !== 'wait' && verb !== 'detach' && verb !== 'detach-stopped') {
    return new ProcfsError('ESRCH', `process ${pid} ${exitNote}`, pid, 'ctl');
  }
  switch (verb) {
    case 'attach':
      if (state === 'self') return no('EINVAL', 'a process cannot attach to itself');
      if (state === 'running' || state === 'trace-wait') return no('EBUSY', 'already traced by this debugger');
      if (state === 'other-tracer') return no('EBUSY', 'already traced by another process');
      return null;
    case 'step':
    case 'run':
      if (state !== 'trace-wait') return no('EBUSY', `cannot ${verb}: not stopped under this tracer (${describe(state)})`);
      return null;
    case 'interrupt':
      if (state !== 'running' && state !== 'trace-wait') return no('EBUSY', `cannot interrupt: ${describe(state)}`);
      return null;
    case 'wait':
      if (state === 'untraced' || state === 'other-tracer' || state === 'self') {
        return no('EBUSY', `cannot wait: ${describe(state)}`);
      }
      return null;
    case 'detach':
    case 'detach-stopped':
      // procfs_ctl.c: "not being traced by this process" is EBUSY; untraced is a no-op success.
      if (state === 'other-tracer') return no('EBUSY', 'cannot detach: traced by another process');
      return null;
    default:
      // detach on an untraced target is a successful no-op; a signal is always allowed
      // (in trace-wait it resumes the target delivering it, otherwise it is just sent).
      return null;
  }
}

function describe(state: TraceState): string {
  switch (state) {
    case 'untraced': return 'not traced';
    case 'other-tracer': return 'traced by another process';
    case 'running': return 'running';
    case 'trace-wait': return 'stopped';
    case 'exited': return 'exited';
    case 'self': return 'this is the debugger itself';
  }
}
