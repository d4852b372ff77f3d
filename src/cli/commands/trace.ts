import type { Argv, CommandModule } from 'yargs';
import type { StopEvent } from '../../engine/events.js';
import type { Session } from '../../engine/session.js';
import type { Tracer } from '../../engine/trace.js';
import { cliPid, cliWhere, shownArg } from '../addr.js';
import { UsageError } from '../errors.js';
import { ChunkedOut } from '../output.js';
import { targetStdio } from './start.js';

interface TraceArgs {
  'proc-root'?: string;
  via?: string | string[];
  target?: string;
  syms?: string;
  args?: string;
  ret?: boolean;
  count?: boolean;
  for?: string;
  json?: boolean;
  pending?: boolean;
  stdin?: string;
  stdout?: string;
  stderr?: string;
  _?: (string | number)[];
}

/** Why a trace ended, besides the target's exit. */
type Ending = 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'for' | 'reader';
const TAKEN = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** Lines of a quiet target are not held back longer than this. */
const FLUSH_MS = 100;

/** `SYM[,SYM…]`, each syntax-checked as an address or symbol. */
export function cliSymbols(text: unknown): string[] {
  const list = String(text ?? '').split(',').map((x) => x.trim());
  if (list.length === 0 || list.some((x) => x === '')) throw new UsageError(`trace: not a list of symbols: '${shownArg(text)}' (SYM[,SYM…])`);
  return list.map(cliWhere);
}

function argCount(text: string | undefined): number {
  if (text === undefined) return 3;
  if (!/^[0-6]$/.test(text)) throw new UsageError(`trace --args: 0 to 6 argument registers, not '${shownArg(text)}'`);
  return Number(text);
}

function seconds(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(n > 0) || n > 2_000_000) throw new UsageError(`trace --for: a number of seconds, not '${shownArg(text)}'`);
  return n;
}

/**
 * `pdbg trace PID SYM[,SYM…]` / `pdbg trace SYM[,SYM…] -- CMD ARGS…`: one line per call of each
 * function, as it happens (src/engine/trace.ts: action breakpoints, every call handled before
 * its thread runs on). Ends on Ctrl-C, SIGTERM, SIGHUP, `--for`, a reader that goes away, or the
 * target's exit; the target is released running with every byte back. A program it started is
 * sent the signal that ended the trace (SIGTERM for --for or a closed reader), as a Ctrl-C at
 * strace's terminal reaches the program; its exit code is pdbg's.
 */
export const traceCommand: CommandModule<object, TraceArgs> = {
  command: 'trace [target] [syms]',
  describe: 'trace function calls: pdbg trace PID SYM[,SYM…], or pdbg trace SYM[,SYM…] -- CMD ARGS…',
  builder: (y: Argv) =>
    y
      .positional('target', { type: 'string', describe: 'process id (or, with -- CMD, the symbols)' })
      .positional('syms', { type: 'string', describe: 'functions to trace: SYM[,SYM…] (names, SYM+OFF, addresses)' })
      .option('args', { type: 'string', describe: 'argument registers shown per call, System V order (rdi rsi rdx rcx r8 r9), 0-6', default: undefined, defaultDescription: '3' })
      .option('ret', { type: 'boolean', describe: 'show each call with its return value: name(args) = rax (signed decimal)' })
      .option('count', { type: 'boolean', describe: 'print no calls; at the end a table of calls per function, on stderr (as strace -c)' })
      .option('for', { type: 'string', describe: 'stop tracing after this many seconds' })
      .option('json', { type: 'boolean', describe: 'one object per call and line: {tid, sym, args: [hex…], ret?}' })
      .option('pending', { type: 'boolean', describe: 'a name no loaded library defines yet waits for one that does (dlopen) instead of failing' })
      .option('stdin', { type: 'string', describe: "with -- CMD: file for the program's stdin (default: the terminal, else /dev/null)" })
      .option('stdout', { type: 'string', describe: "with -- CMD: file for the program's stdout (default: the terminal, else /dev/null)" })
      .option('stderr', { type: 'string', describe: "with -- CMD: file for the program's stderr (default: the terminal, else /dev/null)" })
      .example('pdbg trace 1234 write,read --ret', '')
      .example('pdbg trace malloc --count -- ls -l', '')
      .example('pdbg trace 1234 tick --for 5 | head -3', '') as unknown as Argv<TraceArgs>,
  handler: async (argv) => {
    // yargs leaves the words after `--` in `_`, after the command's own name.
    const cmd = (argv._ ?? []).slice(1).map(String);
    let pid: number | undefined;
    let specs: string[];
    if (cmd.length > 0) {
      if (argv.syms !== undefined) throw new UsageError('trace: with -- CMD give only the symbols: pdbg trace SYM[,SYM…] -- CMD ARGS…');
      if (argv.target === undefined) throw new UsageError('trace: name the functions to trace: pdbg trace SYM[,SYM…] -- CMD ARGS…');
      specs = cliSymbols(argv.target);
    } else {
      if (argv.target === undefined) throw new UsageError('trace: pdbg trace PID SYM[,SYM…], or pdbg trace SYM[,SYM…] -- CMD ARGS…');
      pid = cliPid(argv.target);
      if (argv.syms === undefined) throw new UsageError('trace: name the functions to trace: pdbg trace PID SYM[,SYM…]');
      specs = cliSymbols(argv.syms);
    }
    const nArgs = argCount(argv.args);
    const forSeconds = seconds(argv.for);
    const { openSource } = await import('../source.js');
    const { Session } = await import('../../engine/session.js');
    const { guard } = await import('../../procfs/exit-guard.js');
    const fs = await openSource(argv);
    try {
      const s = pid !== undefined
        ? await Session.attach(fs, pid, { exitGuard: guard })
        : await Session.launch(fs, cmd, { stdin: targetStdio(argv.stdin, 0), stdout: targetStdio(argv.stdout, 1), stderr: targetStdio(argv.stderr, 2), exitGuard: guard });
      process.exitCode = await traceSession(s, specs, pid === undefined, {
        args: nArgs,
        ret: argv.ret === true,
        countOnly: argv.count === true,
        json: argv.json === true,
        pending: argv.pending === true,
        ...(forSeconds !== undefined ? { forSeconds } : {}),
      });
    } finally {
      await fs.close();
    }
  },
};

interface RunOptions {
  readonly args: number;
  readonly ret: boolean;
  readonly countOnly: boolean;
  readonly json: boolean;
  readonly pending: boolean;
  readonly forSeconds?: number;
}

/** Traces until an end, releases the target, reports; resolves to pdbg's exit status. */
async function traceSession(s: Session, specs: readonly string[], started: boolean, o: RunOptions): Promise<number> {
  const { Tracer } = await import('../../engine/trace.js');
  const { formatCountTable } = await import('../../engine/trace-format.js');
  const { isGone } = await import('../../engine/events.js');
  const { takeSignal, isDying } = await import('../../procfs/exit-guard.js');
  const out = new ChunkedOut();
  let ending: Ending | undefined;
  let tracer: Tracer | undefined;
  const stop = (why: Ending) => {
    if (ending) return;
    ending = why;
    tracer?.requestStop();
    void s.interrupt().catch(() => undefined);
  };
  try {
    // A program just started is at its exec stop: its libraries are not mapped yet.
    if (started) {
      const ev = await runToEntry(s);
      if (ev) return finish(s, ev, started, undefined);
    }
    tracer = new Tracer(s, (line) => {
      out.line(line);
      if (out.closed) stop('reader');
    }, { args: o.args, ret: o.ret, countOnly: o.countOnly, json: o.json, pending: o.pending });
    await tracer.add(specs);
  } catch (err) {
    await letGo(s, started);
    throw err;
  }
  // The first signal ends the trace our way; a second one finds the guard's default (release, exit).
  for (const sig of TAKEN) {
    takeSignal(sig, () => {
      for (const x of TAKEN) takeSignal(x, undefined);
      stop(sig);
    });
  }
  const onStdoutError = () => stop('reader');
  process.stdout.on('error', onStdoutError);
  const flusher = setInterval(() => {
    out.flush();
    if (out.closed) stop('reader');
  }, FLUSH_MS);
  const timer = o.forSeconds !== undefined ? setTimeout(() => stop('for'), o.forSeconds * 1000) : undefined;
  let exit: StopEvent | undefined;
  try {
    while (!ending) {
      const ev = await s.cont();
      if (isGone(ev) || ev.kind === 'detached') {
        exit = ev;
        break;
      }
      if (ev.kind === 'exec') {
        const at = await runToEntry(s);
        if (at) {
          exit = at;
          break;
        }
        await tracer.afterExec();
      }
      // A signal stop: the next cont delivers it (gdb's habits). A breakpoint or an interrupt:
      // ours, from a stop already under way.
    }
  } finally {
    clearInterval(flusher);
    if (timer) clearTimeout(timer);
    for (const x of TAKEN) takeSignal(x, undefined);
    process.stdout.off('error', onStdoutError);
  }
  // Killed meanwhile by a second signal: the exit guard released the target and says so.
  if (isDying()) return 1;
  tracer.endUnfinished();
  out.flush();
  if (o.countOnly) process.stderr.write(formatCountTable(tracer.counts()).join('\n') + '\n');
  return finish(s, exit, started, ending);
}

/** Runs a program at its exec stop to its entry point; the exit (or loss) event if it never gets there. */
async function runToEntry(s: Session): Promise<StopEvent | undefined> {
  const { isGone } = await import('../../engine/events.js');
  const entry = await s.entryPoint();
  if (entry === undefined) return undefined;
  for (;;) {
    const ev = await s.runUntil(entry);
    if (isGone(ev) || ev.kind === 'detached') return ev;
    if (ev.kind === 'breakpoint' && ev.pc === entry) return undefined;
  }
}

/** Releases the target after the trace; the exit status. */
async function finish(s: Session, exit: StopEvent | undefined, started: boolean, ending: Ending | undefined): Promise<number> {
  if (exit && (exit.kind === 'exited' || exit.kind === 'killed')) {
    process.stderr.write(`+++ process ${s.pid} ${exit.kind === 'exited' ? `exited with code ${exit.code}` : `killed by signal ${exit.signal}`} +++\n`);
    if (!started) return 0;
    if (exit.kind === 'exited') return exit.code;
    const { parseSignal } = await import('../../procfs/signals.js');
    return 128 + parseSignal(exit.signal).number;
  }
  if (exit) return 0;
  await s.detach({ leave: 'as-is' });
  // A program we started ends with the trace, as a Ctrl-C at strace's terminal reaches it.
  if (started && ending) await sendSignal(s, ending === 'for' || ending === 'reader' ? 'SIGTERM' : ending);
  return 0;
}

/** After a failed start of the trace: bytes back and detached; a program we started is killed. */
async function letGo(s: Session, started: boolean): Promise<void> {
  if (s.state === 'exited' || s.state === 'detached') return;
  const pid = s.pid;
  try {
    await s.detach({ leave: 'as-is' });
  } catch {
    s.releaseSync();
  }
  // Killed after the release: a dying target's memory cannot take the bytes back.
  if (started) await s.fs.write(pid, 'note', 'kill').catch(() => undefined);
}

async function sendSignal(s: Session, sig: NodeJS.Signals): Promise<void> {
  await s.fs.write(s.pid, 'note', sig.replace(/^SIG/, '').toLowerCase()).catch(() => undefined);
}
