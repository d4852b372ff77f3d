import { terminalJson } from '../procfs/escape.js';

/** The CLI's only writers: results on stdout, one-line errors on stderr. */

/**
 * A reader that goes away is a normal way for output to end: `pdbg ps | head -1` (EPIPE), a
 * terminal closed under a running pdbg (EIO). Node turns the failed write into an 'error' event
 * on process.stdout, and without a listener into a stack trace and status 1. pdbg stops writing,
 * finishes what the command was doing to its target (a one-shot command still leaves it as it
 * says; nothing is half done because nobody reads), and exits 0, as a reader that stopped early
 * got what it asked for. Any other write error (ENOSPC on `> /dev/full`) loses output: one line
 * on stderr, status 1. Errors on stderr itself have nowhere to go and are dropped.
 */
let stdoutGone = false;

const READER_GONE = new Set(['EPIPE', 'EIO', 'ECONNRESET']);

function onStdoutError(err: NodeJS.ErrnoException): void {
  if (stdoutGone) return; // later writes to the destroyed stream fail too
  stdoutGone = true;
  if (READER_GONE.has(err.code ?? '')) return;
  process.stderr.write(`pdbg: cannot write output: ${err.code ?? err.message}\n`);
  if (!process.exitCode) process.exitCode = 1;
}

let watching = false;

/** Installs the handlers above once (main() calls it before any command runs). */
export function watchOutput(): void {
  if (watching) return;
  watching = true;
  process.stdout.on('error', onStdoutError);
  process.stderr.on('error', () => {});
}

/** True once stdout's reader has gone or a write to it failed: further output is dropped. */
export function outputClosed(): boolean {
  return stdoutGone;
}

/** Writes `text` to stdout unless its reader has gone. */
export function writeOut(text: string | Uint8Array): void {
  if (!stdoutGone) process.stdout.write(text);
}

/** JSON as pdbg prints it: bigints (addresses, registers) as `0x…` strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v), 2);
}

/** JSON on stdout, with the C1 and bidi controls JSON.stringify leaves raw escaped as \uXXXX. */
export function printJson(value: unknown): void {
  writeOut(terminalJson(toJson(value)) + '\n');
}

export function printLine(text: string): void {
  writeOut(text.endsWith('\n') ? text : text + '\n');
}

/** A table with left-aligned columns, except those named in `right`. */
export function formatTable(header: string[], rows: string[][], right: ReadonlySet<number> = new Set()): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 && !right.has(i) ? c : right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join(' ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/**
 * Output written in chunks instead of a write per line (`pdbg trace` at tens of thousands of
 * lines a second): lines gather until `limit` characters, then go out in one write; `flush`
 * sends what is there (a timer calls it, so a quiet target's lines are not held back). Writes
 * go through writeOut, so a reader that went away drops them; `closed` says so.
 */
export class ChunkedOut {
  private pending = '';

  constructor(private readonly limit = 32 * 1024) {}

  line(text: string): void {
    this.pending += text + '\n';
    if (this.pending.length >= this.limit) this.flush();
  }

  flush(): void {
    if (this.pending === '') return;
    const text = this.pending;
    this.pending = '';
    writeOut(text);
  }

  get closed(): boolean {
    return stdoutGone;
  }
}
