/**
 * The debugger's command table: names, aliases, usage, help, typed arguments, a handler over a
 * client and a formatter for its result. One table serves `pdbg script` (gdb-batch-like files),
 * the TUI's command line and the one-shot CLI commands (which call an entry with arguments
 * they already hold typed), so help, dispatch, completion and the generated docs come from one
 * place (Delve's `terminal/command.go` precedent).
 *
 * A handler answers a typed result and never prints; it throws ProcfsError for bad input
 * (unknown register, unmapped address, bad hex…). Text is made at the edge: runCommandLine
 * gives the lines of the entry's formatter with the result, and `--json` prints its data.
 */
import { ProcfsError } from '../procfs/errors.js';
import { isGone, type StopEvent } from '../engine/events.js';
import { BREAK_COMMANDS } from './break-cmds.js';
import { callCmd } from './call-cmd.js';
import type { Client } from './client.js';
import { arity, command, formatAndExpr, type AnyCommand, type Result } from './debug-command.js';
import { disassembleCommand, formatDisassembly } from './disassemble-cmd.js';
import { FRAME_COMMANDS, STACK_COMMANDS } from './frame-cmds.js';
import { formatMappings, formatSharedLibraries, formatSymbol, infoProcMappings, infoSharedLibrary, infoSymbol } from './info-cmds.js';
import { examineCommand, writeCommand } from './memory-cmds.js';
import { displayCmd, displayLines, echoCmd, formatDisplayList, formatText, infoDisplay, outputCmd, printfCmd, undisplayCmd } from './output-cmds.js';
import { formatHistoryValue, printCommand } from './print-cmd.js';
import { END_COMMANDS, RUN_COMMANDS, SIGNAL_COMMANDS } from './run-cmds.js';
import { formatThreadApply, formatThreads, formatThreadSelected, infoThreads, threadApply, threadCmd, threadList, type ThreadApplyResult, type ThreadSelected } from './thread-cmds.js';
import { formatTrace, formatUntrace, parseTraceWords, traceCommand, untraceCommand } from './trace-cmd.js';

export type { AnyCommand, DebugCommand, Result } from './debug-command.js';
export { stopData } from './stop-result.js';

/** An entry's result type. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ResultOf<C> = C extends { run(c: Client, a: any): Promise<infer R> } ? R : never;

/**
 * Every result the table answers, discriminated by `kind` (`stop`, `registers`, `backtrace`,
 * `breakpoint-set`…): what a user interface switches on, and what `--json` prints the data of.
 */
export type CommandResult = ResultOf<
  | (typeof BREAK_COMMANDS)[number] | (typeof RUN_COMMANDS)[number] | (typeof FRAME_COMMANDS)[number] | (typeof PRINT_COMMANDS)[number]
  | (typeof THREAD_COMMANDS)[number] | (typeof OUTPUT_COMMANDS)[number] | (typeof SIGNAL_COMMANDS)[number] | (typeof STACK_COMMANDS)[number]
  | (typeof TRACE_COMMANDS)[number] | (typeof END_COMMANDS)[number] | (typeof CLIENT_COMMANDS)[number]
>;

/** What a line of commands gives a user interface: the typed result and its text. */
export interface CommandOutput {
  /** What a person reads, one entry a line (the result's, then the displays a stop brings). */
  readonly lines: string[];
  /** The result as `--json` prints it (bigints print as 0x…). */
  readonly data: unknown;
  /** The stop or exit this command caused, when it ran the target. */
  readonly stop?: StopEvent;
  /** The entry that ran and its typed result (null for an empty line). */
  readonly command: AnyCommand | null;
  readonly result: CommandResult | null;
}

const rawLine = (a: readonly string[]): string => a[0] ?? '';

const PRINT_COMMANDS = [
  examineCommand,
  command({
    name: 'print', aliases: ['p', 'inspect'], usage: 'print[/F] EXPR', help: 'evaluate an expression: $N = value (F: x d u o t c a z s; $, $$, $N recall values)',
    parse: formatAndExpr, run: (c, a) => printCommand(c, a.fmt, a.expr), format: formatHistoryValue,
  }),
  command({
    name: 'disassemble', aliases: ['disas'], usage: 'disassemble [SYM|ADDR|START,END|START,+LEN]', help: 'disassemble a function (the pc\'s by default) or a range, => at the pc',
    parse: (a) => a.join(' '), run: disassembleCommand, format: formatDisassembly,
  }),
  command({
    name: 'info-symbol', aliases: ['info-sym'], usage: 'info symbol EXPR', help: 'the symbol an address is in: NAME + OFF in section SEC of FILE',
    parse: (a) => a.join(' '), run: infoSymbol, format: formatSymbol,
  }),
  command({
    name: 'info-sharedlibrary', aliases: ['info-shared', 'info-dll'], usage: 'info sharedlibrary', help: 'loaded libraries with their .text ranges',
    parse: (a, usage) => arity(usage, a, 0, 0), run: (c) => infoSharedLibrary(c), format: formatSharedLibraries,
  }),
  command({
    name: 'info-proc', usage: 'info proc mappings', help: 'the address space, from the map node',
    parse: (a, usage) => {
      if (a.length !== 1 || !'mappings'.startsWith(a[0]!)) throw new ProcfsError('EINVAL', `usage: ${usage}`);
    },
    run: (c) => infoProcMappings(c), format: formatMappings,
  }),
  writeCommand,
];

const THREAD_COMMANDS = [
  command({
    name: 'info-threads', aliases: ['info-th', 'it', 'threads'], usage: 'info threads',
    help: 'threads in gdb\'s Id / Target Id / Frame table; `threads`: pdbg\'s list (* = current) with their state',
    parse: (a, usage, as) => {
      arity(usage, a, 0, 0);
      return as === 'threads' ? ('short' as const) : ('gdb' as const);
    },
    run: (c, layout: 'gdb' | 'short') => (layout === 'gdb' ? infoThreads(c) : threadList(c)),
    format: formatThreads,
  }),
  command({
    name: 'thread', aliases: ['t'], usage: 'thread N | thread lwp TID | thread apply all|N… CMD', help: 'select thread N (gdb\'s number, as info threads shows it; a TID too); apply CMD in each thread',
    run: async (c, a: readonly string[]): Promise<ThreadSelected | ThreadApplyResult> => (a[0] === 'apply' ? threadApply(c, a.slice(1), (line) => runLine(c, line)) : threadCmd(c, a)),
    format: (r) => (r.kind === 'thread-apply' ? formatThreadApply(r) : formatThreadSelected(r)),
  }),
];

const OUTPUT_COMMANDS = [
  command({ name: 'echo', usage: 'echo TEXT', help: 'print TEXT (C escapes: \\n ends the line)', raw: true, parse: rawLine, run: async (_c, text: string) => echoCmd(text), format: formatText }),
  command({ name: 'printf', usage: 'printf "FMT", ARG…', help: 'C\'s printf over expressions (%d %i %u %x %X %o %c %s %p, l/ll, flags, width, precision)', raw: true, parse: rawLine, run: printfCmd, format: formatText }),
  command({
    name: 'output', usage: 'output[/F] EXPR', help: 'a value as print shows it, without $N = and without history',
    parse: formatAndExpr, run: (c, a) => outputCmd(c, a.fmt, a.expr), format: (r) => [r.data.text],
  }),
  command({
    name: 'display', aliases: ['disp'], usage: 'display[/FMT] EXPR', help: 'show EXPR after every stop (FMT: print\'s, or x\'s for /i /s /Nx…); display alone shows them',
    parse: formatAndExpr, run: (c, a) => displayCmd(c, a.fmt, a.expr), format: (r) => r.shown,
  }),
  command({ name: 'undisplay', usage: 'undisplay [N…]', help: 'stop showing displays N… (all without N)', run: async (c, a: readonly string[]) => undisplayCmd(c, a), format: () => [] }),
  command({ name: 'info-display', usage: 'info display', help: 'the auto-display expressions', run: async (c) => infoDisplay(c), format: formatDisplayList }),
  command({
    name: 'call', usage: 'call FUNC(ARG, …)', help: 'run a function of the target in the current thread (System V ABI, integer and pointer arguments); every register is put back after',
    raw: true, parse: rawLine, run: callCmd, format: formatHistoryValue,
  }),
];

const TRACE_COMMANDS = [
  command({
    name: 'trace', usage: 'trace SYM[,SYM…] [--args N] [--ret]',
    help: 'trace calls (gdb dprintf-like action breakpoints): the next continue writes one line per call, name(0x…) or with --ret name(0x…) = rax, and never stops on them; N argument registers (default 3)',
    parse: parseTraceWords, run: traceCommand, format: formatTrace,
  }),
  command({
    name: 'untrace', usage: 'untrace', help: 'stop tracing: lift the trace points, write calls still in flight (= ?) and the calls per function',
    parse: (a, usage) => arity(usage, a, 0, 0), run: (c) => untraceCommand(c), format: formatUntrace,
  }),
];

/** One row of the help: what `help` answers as data (and the generated docs print). */
export interface HelpRow {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly usage: string;
  readonly help: string;
}

const CLIENT_COMMANDS = [
  command({
    name: 'help', aliases: ['h', '?'], usage: 'help', help: 'this text', action: 'help',
    parse: (a, usage) => arity(usage, a, 0, 0),
    run: async () => ({ kind: 'help' as const, data: COMMANDS.map(({ name, aliases, usage, help }): HelpRow => ({ name, aliases, usage, help })) }),
    format: () => helpLines(),
  }),
  command({
    name: 'quit', aliases: ['q', 'exit'], usage: 'quit', help: 'detach and leave (q): the TUI lifts every breakpoint and lets the target go on as it found it; a script ends there', action: 'quit',
    parse: (a, usage) => arity(usage, a, 0, 0),
    run: async () => ({ kind: 'quit' as const, data: null }),
    format: () => [],
  }),
];

export const COMMANDS: readonly AnyCommand[] = [
  ...BREAK_COMMANDS,
  ...RUN_COMMANDS,
  ...FRAME_COMMANDS,
  ...PRINT_COMMANDS,
  ...THREAD_COMMANDS,
  ...OUTPUT_COMMANDS,
  ...SIGNAL_COMMANDS,
  ...STACK_COMMANDS,
  ...TRACE_COMMANDS,
  ...END_COMMANDS,
  ...CLIENT_COMMANDS,
];

const byName = new Map<string, AnyCommand>();
for (const c of COMMANDS) {
  for (const n of [c.name, ...c.aliases]) {
    // One name, one entry: an alias that shadowed another command would be a silent change.
    if (byName.has(n)) throw new Error(`command table: '${n}' named twice`);
    byName.set(n, c);
  }
}

export function findCommand(name: string): AnyCommand | undefined {
  return byName.get(name.toLowerCase());
}

/** Every name and alias, for completion. */
export function commandNames(): string[] {
  return [...byName.keys()].sort();
}

/** gdb's `info` subcommands by the shortest prefix it takes for each (`info b`, `info reg`, `info sym`). */
const INFO_PREFIXES: readonly [string, string][] = [
  ['b', 'breakpoints'], ['r', 'registers'], ['th', 'threads'], ['sy', 'symbol'], ['sh', 'sharedlibrary'], ['dll', 'dll'], ['proc', 'proc'], ['sig', 'signals'], ['handle', 'handle'], ['display', 'display'],
];

/**
 * `info registers` → `info-registers`: gdb's two-word forms map onto table names, abbreviated
 * as gdb allows; `x/8xb $sp` → `x /8xb $sp`: a format glued to the command is its first word.
 */
export function splitCommandLine(line: string): string[] {
  const words = line.trim().split(/\s+/).filter(Boolean);
  if (words[0] === 'info' && words[1]) {
    const w = words[1].toLowerCase();
    const full = INFO_PREFIXES.find(([p, name]) => w.length >= p.length && name.startsWith(w))?.[1] ?? w;
    return [`info-${full}`, ...words.slice(2)];
  }
  const glued = words[0] ? /^([A-Za-z][\w-]*)(\/\S*)$/.exec(words[0]) : null;
  if (glued) return [glued[1]!, glued[2]!, ...words.slice(1)];
  return words;
}

/** A line read against the table: the entry, the name typed and its typed arguments. */
export interface ParsedLine {
  readonly command: AnyCommand;
  readonly as: string;
  readonly args: unknown;
  /** The words after the name (the TUI's memory pane takes `x`'s). */
  readonly words: readonly string[];
}

/** Reads one line against the table; undefined for an empty line, EINVAL for an unknown name or bad words. */
export function parseCommandLine(line: string): ParsedLine | undefined {
  const [name, ...words] = splitCommandLine(line);
  if (!name) return undefined;
  const c = findCommand(name);
  if (!c) throw new ProcfsError('EINVAL', `unknown command '${name}' (help lists them)`);
  return { command: c, as: name.toLowerCase(), words, args: c.parse(c.raw ? [line.replace(/^\s*\S+/, '')] : words, name.toLowerCase()) };
}

/** The commands after which gdb shows the displays: each ends at a new stop. */
const STOPPING = new Set(['step', 'stepi', 'next', 'nexti', 'continue', 'until', 'signal', 'finish']);

/**
 * Runs an entry with typed arguments and formats its result: the one path for a script line,
 * a TUI command and a one-shot CLI command.
 */
export async function runCommand<A, R extends Result>(
  c: Client,
  cmd: { readonly name: string; run(c: Client, a: A): Promise<R>; format(r: R): string[] },
  args: A,
): Promise<Omit<CommandOutput, 'data' | 'result'> & { readonly data: R['data']; readonly result: R }> {
  const result = await cmd.run(c, args);
  let lines = cmd.format(result);
  // gdb shows the displays after every stop a command brought.
  if (STOPPING.has(cmd.name)) {
    const shown = await displayLines(c);
    if (shown.length) lines = [...lines, ...shown];
  }
  return { lines, data: result.data, ...(result.stop ? { stop: result.stop } : {}), command: cmd as AnyCommand, result };
}

/** Runs one command line over a client; EINVAL names an unknown command. */
export async function runCommandLine(c: Client, line: string): Promise<CommandOutput> {
  const p = parseCommandLine(line);
  if (!p) return { lines: [], data: null, command: null, result: null };
  // An entry of this table answers one of its results (the table is typed as AnyCommand).
  return (await runCommand(c, p.command, p.args)) as CommandOutput;
}

/** `thread apply`'s runner: a line's result and text, in the thread it selected. */
async function runLine(c: Client, line: string): Promise<{ result: Result; lines: string[] }> {
  const out = await runCommandLine(c, line);
  return { result: out.result ?? { kind: 'none', data: null }, lines: out.lines };
}

/** Help lines: usage and text of every command, aliases after. */
export function helpLines(): string[] {
  const w = Math.max(...COMMANDS.map((c) => c.usage.length));
  return COMMANDS.map((c) => `${c.usage.padEnd(w)}  ${c.help}${c.aliases.length ? ` (${c.aliases.join(', ')})` : ''}`);
}

export { isGone };
