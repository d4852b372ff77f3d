/**
 * gdb's signal table (`handle SIG stop|nostop|print|noprint|pass|nopass`, `info signals`): per
 * signal, whether a stop on it is reported (stop), said (print), and delivered when the target
 * resumes (pass). The engine consults it at every signal stop; `handle` edits a session's copy;
 * a GDB server's `QPassSignals` is the same data.
 *
 * gdb's rules between the words: `stop` implies `print`, `noprint` implies `nostop`.
 */
import { ProcfsError } from '../procfs/errors.js';
import { parseSignal } from '../procfs/signals.js';

export interface SignalDisposition {
  readonly stop: boolean;
  readonly print: boolean;
  readonly pass: boolean;
}

/** What gdb says each signal is, for `info signals`'s last column. */
const DESCRIPTIONS: Readonly<Record<string, string>> = {
  hup: 'Hangup', int: 'Interrupt', quit: 'Quit', ill: 'Illegal instruction', trap: 'Trace/breakpoint trap',
  abrt: 'Aborted', bus: 'Bus error', fpe: 'Arithmetic exception', kill: 'Killed', usr1: 'User defined signal 1',
  segv: 'Segmentation fault', usr2: 'User defined signal 2', pipe: 'Broken pipe', alrm: 'Alarm clock',
  term: 'Terminated', stkflt: 'Stack fault', chld: 'Child status changed', cont: 'Continued', stop: 'Stopped (signal)',
  tstp: 'Stopped (user)', ttin: 'Stopped (tty input)', ttou: 'Stopped (tty output)', urg: 'Urgent I/O condition',
  xcpu: 'CPU time limit exceeded', xfsz: 'File size limit exceeded', vtalrm: 'Virtual timer expired',
  prof: 'Profiling timer expired', winch: 'Window size changed', io: 'I/O possible', pwr: 'Power fail/restart', sys: 'Bad system call',
};

/** The order `info signals` lists them in (Linux's numbers). */
const LISTED = ['hup', 'int', 'quit', 'ill', 'trap', 'abrt', 'bus', 'fpe', 'kill', 'usr1', 'segv', 'usr2', 'pipe', 'alrm', 'term', 'stkflt', 'chld', 'cont', 'stop', 'tstp', 'ttin', 'ttou', 'urg', 'xcpu', 'xfsz', 'vtalrm', 'prof', 'winch', 'io', 'pwr', 'sys'];

/**
 * gdb's defaults: signals a running program gets all the time and a person does not want to
 * stop for (a shell's SIGCHLD, a timer's SIGALRM, a resize's SIGWINCH) pass silently; SIGINT and
 * SIGTRAP are the debugger's own (stop, not passed); every other signal stops and is passed by
 * the next resume.
 */
export const GDB_QUIET: ReadonlySet<string> = new Set(['chld', 'winch', 'alrm', 'urg', 'prof', 'vtalrm', 'io']);

export function gdbDisposition(name: string): SignalDisposition {
  if (GDB_QUIET.has(name)) return { stop: false, print: false, pass: true };
  if (name === 'int' || name === 'trap') return { stop: true, print: true, pass: false };
  return { stop: true, print: true, pass: true };
}

/** A client that decides every delivery itself (a protocol server): every stop reported, nothing passed. */
export function rawDisposition(): SignalDisposition {
  return { stop: true, print: true, pass: false };
}

/** `SIGHUP`, `hup`, `HUP`, `1`, `rtmin+2` → the signal's pdbg name; EINVAL for anything else. */
function signalName(word: string): string {
  const w = word.trim();
  try {
    return parseSignal(/^\d+$/.test(w) ? w : w.replace(/^sig/i, '').toLowerCase()).name;
  } catch {
    throw new ProcfsError('EINVAL', `unknown signal '${word}' (a name such as SIGHUP or hup, or a number 1-64)`);
  }
}

function gdbName(name: string): string {
  return `SIG${name.toUpperCase()}`;
}

function yes(b: boolean): string {
  return b ? 'Yes' : 'No';
}

export class SignalTable {
  private readonly changed = new Map<string, SignalDisposition>();

  constructor(private readonly defaults: (name: string) => SignalDisposition = gdbDisposition) {}

  get(name: string): SignalDisposition {
    return this.changed.get(name) ?? this.defaults(name);
  }

  /**
   * `handle SIG… WORD…`: applies the words to each signal in order (`all` is every listed signal
   * but the debugger's own SIGINT and SIGTRAP, as gdb's `all`); returns the rows changed.
   */
  handle(args: readonly string[]): { name: string; disposition: SignalDisposition }[] {
    const words = args.filter((a) => /^(no)?(stop|print|pass)$|^(no)?ignore$/i.test(a)).map((a) => a.toLowerCase());
    const sigs = args.filter((a) => !words.includes(a.toLowerCase()));
    if (sigs.length === 0 || words.length === 0) throw new ProcfsError('EINVAL', 'usage: handle SIG… stop|nostop|print|noprint|pass|nopass');
    const names = sigs.flatMap((s) => (s.toLowerCase() === 'all' ? LISTED.filter((n) => n !== 'int' && n !== 'trap') : [signalName(s)]));
    const out: { name: string; disposition: SignalDisposition }[] = [];
    for (const name of names) {
      let { stop, print, pass } = this.get(name);
      for (const w of words) {
        if (w === 'stop') [stop, print] = [true, true];
        else if (w === 'nostop') stop = false;
        else if (w === 'print') print = true;
        else if (w === 'noprint') [print, stop] = [false, false];
        else if (w === 'pass' || w === 'noignore') pass = true;
        else if (w === 'nopass' || w === 'ignore') pass = false;
      }
      const d = { stop, print, pass };
      this.changed.set(name, d);
      out.push({ name, disposition: d });
    }
    return out;
  }

  /** gdb's table: a header, then one row per signal (all listed, or the ones named). */
  lines(names: readonly string[] = LISTED): string[] {
    const rows = names.map((n) => {
      const d = this.get(n);
      return `${gdbName(n).padEnd(14)}${yes(d.stop)}\t${yes(d.print)}\t${yes(d.pass)}\t\t${DESCRIPTIONS[n] ?? n}`;
    });
    return ['Signal        Stop\tPrint\tPass to program\tDescription', ...rows];
  }

  /** `info signals [SIG]`. */
  info(args: readonly string[]): { lines: string[]; data: { signal: string; stop: boolean; print: boolean; pass: boolean }[] } {
    const names = args.length ? args.map(signalName) : LISTED;
    return { lines: this.lines(names), data: names.map((n) => ({ signal: gdbName(n), ...this.get(n) })) };
  }

  /** What gdb says of a signal that passes without a stop but is printed. */
  static describe(name: string): string {
    return `${gdbName(name)}, ${DESCRIPTIONS[name] ?? name}`;
  }
}
