/**
 * What one entry of the debugger's command table is, and what it answers. A command reads its
 * words into typed arguments (`parse`), acts on a client with them (`run`) and answers a typed
 * result; the text a person reads is made from that result at the edge (`format`), and `--json`
 * prints the result's `data`. So the script runner, the TUI and the one-shot CLI go through the
 * same entry: the first two with words, the CLI with arguments it already has typed.
 */
import { ProcfsError } from '../procfs/errors.js';
import type { StopEvent } from '../engine/events.js';
import type { Client } from './client.js';
import { parseLength } from './values.js';

/**
 * A command's answer: its kind (one per result shape), the data `--json` prints, and the stop
 * or exit it caused when it ran the target. A kind may carry more fields for its formatter.
 */
export interface Result<K extends string = string, D = unknown> {
  readonly kind: K;
  readonly data: D;
  readonly stop?: StopEvent;
}

/**
 * What the user interface does itself for a command of the table (the table names it, parses
 * it and documents it; the TUI implements it): leave, or show the help.
 */
export type ClientAction = 'quit' | 'help';

export interface DebugCommand<A = unknown, R extends Result = Result> {
  readonly name: string;
  readonly aliases: readonly string[];
  /** `break SYM|ADDR`. */
  readonly usage: string;
  readonly help: string;
  /** It resumes the target (a client shows "running" meanwhile and may offer interrupt). */
  readonly resumes: boolean;
  /** Takes the rest of its line as it was typed, one argument (echo and printf keep their spaces). */
  readonly raw?: boolean;
  /** A user interface's own action (the TUI leaves on `quit`); `run` is what a script gets. */
  readonly action?: ClientAction;
  /** Words to typed arguments; `as` is the name or alias typed (`regs` picks the short layout). */
  parse(words: readonly string[], as?: string): A;
  run(c: Client, args: A): Promise<R>;
  /** The lines a person reads. */
  format(r: R): string[];
}

/** An entry of the table whatever its argument and result types (for lookup and listing). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommand = DebugCommand<any, any>;

export interface CommandSpec<A, R extends Result> {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly usage: string;
  readonly help: string;
  readonly resumes?: boolean;
  readonly raw?: boolean;
  readonly action?: ClientAction;
  /** Words to arguments; `usage` is there for the error. Default: the words themselves. */
  parse?(words: readonly string[], usage: string, as: string): A;
  run(c: Client, args: A): Promise<R>;
  format(r: R): string[];
}

export function command<A = readonly string[], R extends Result = Result>(spec: CommandSpec<A, R>): DebugCommand<A, R> {
  const { parse, ...rest } = spec;
  return {
    ...rest,
    aliases: spec.aliases ?? [],
    resumes: spec.resumes ?? false,
    parse: parse ? (words, as) => parse(words, spec.usage, as ?? spec.name) : (words) => words as unknown as A,
  };
}

/** Refuses a wrong number of words with the command's usage. */
export function arity(usage: string, args: readonly string[], min: number, max: number): void {
  if (args.length < min || args.length > max) throw new ProcfsError('EINVAL', `usage: ${usage}`);
}

/** A repeat count word (`step 3`), 1 when absent. */
export function count(text: string | undefined): number {
  return text === undefined ? 1 : parseLength(text, 1_000_000_000);
}

/** A print-like command's words: a leading `/F` format, then the expression. */
export function formatAndExpr(words: readonly string[]): { fmt: string | undefined; expr: string } {
  const fmt = words[0]?.startsWith('/') ? words[0] : undefined;
  return { fmt, expr: words.slice(fmt ? 1 : 0).join(' ') };
}

/** A result that is only lines (echo, printf, a gdb table made where its data is read). */
export type Lines<K extends string, D> = Result<K, D> & { readonly lines: string[] };
