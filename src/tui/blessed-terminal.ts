/**
 * The Terminal of terminal.ts on blessed. The only file that imports blessed.
 *
 * Terminfo: blessed compiles every capability of the terminfo entry into JavaScript, and the
 * extended (user-defined) ones newer ncurses ships for xterm-256color — `Setulc`, with its
 * `%p1%{65536}%/…::` colon syntax — do not compile: it prints `Error on xterm-256color.Setulc`
 * and a page of generated code to stderr, over the screen. pdbg needs none of the extended
 * capabilities, so it creates blessed's program with `extended: false` (the entry's standard
 * part is still read), silences blessed's console output while it parses, and drops its
 * 'warning' events (an unknown TERM such as tmux-256color without ncurses-term falls back to
 * xterm, which draws everything pdbg uses).
 */
import { closeSync, openSync } from 'node:fs';
import { isatty } from 'node:tty';
import blessed from 'blessed';
import type { KeyEvent, Line, Pane, Region, Style, Terminal } from './terminal.js';

const TAGS: Record<Style, [string, string]> = {
  title: ['{black-fg}{cyan-bg}', '{/cyan-bg}{/black-fg}'],
  current: ['{black-fg}{green-bg}', '{/green-bg}{/black-fg}'],
  breakpoint: ['{red-fg}{bold}', '{/bold}{/red-fg}'],
  changed: ['{yellow-fg}{bold}', '{/bold}{/yellow-fg}'],
  dim: ['{blue-fg}', '{/blue-fg}'],
  error: ['{red-fg}', '{/red-fg}'],
  running: ['{black-fg}{yellow-bg}', '{/yellow-bg}{/black-fg}'],
  key: ['{bold}', '{/bold}'],
};

/** Cuts a line to `width` columns and turns it into blessed tag markup. */
function markup(line: Line, width: number): string {
  const spans = typeof line === 'string' ? [{ text: line }] : line;
  let left = width;
  let out = '';
  for (const s of spans) {
    if (left <= 0) break;
    const text = s.text.length > left ? s.text.slice(0, left) : s.text;
    left -= text.length;
    const esc = blessed.escape(text);
    out += s.style ? TAGS[s.style][0] + esc + TAGS[s.style][1] : esc;
  }
  return out;
}

class BlessedPane implements Pane {
  private width = 0;
  private lines: readonly Line[] = [];
  constructor(private readonly box: blessed.Widgets.BoxElement) {}

  setLines(lines: readonly Line[]): void {
    this.lines = lines;
    this.box.setContent(lines.map((l) => markup(l, this.width)).join('\n'));
  }

  place(r: Region): void {
    this.box.top = r.top;
    this.box.left = r.left;
    this.box.width = Math.max(1, r.width);
    this.box.height = Math.max(1, r.height);
    if (r.height <= 0 || r.width <= 0) this.box.hide();
    else this.box.show();
    this.width = r.width;
    this.setLines(this.lines);
  }
}

export interface BlessedOptions {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  /** Default $TERM. */
  terminal?: string;
}

/**
 * A closed terminal (the window shut, tmux's pane killed) is hung up: reads see EOF, writes and
 * termios calls fail with EIO, isatty() says no. Node then fails twice on its way out: the write
 * blessed makes to leave the screen is an unhandled 'error' event (a stack trace), and Node's
 * own exit, which puts back the termios it found at start on every stdio tty, asserts when that
 * tcsetattr fails (`Assertion failed` in ResetStdio, node.cc). It skips a descriptor that no
 * longer names the file it found there, so on 'exit' each stdio descriptor that was a terminal
 * and is hung up now is pointed at /dev/null. A terminal that is still there is left alone
 * (Node restores it as usual).
 */
const stdioTtys = new Set<number>();
let exitHookInstalled = false;

function releaseHungUpStdio(): void {
  for (const fd of stdioTtys) {
    if (isatty(fd)) continue;
    try {
      closeSync(fd);
      openSync('/dev/null', 'r+'); // the lowest free descriptor: fd itself
    } catch {
      // A closed descriptor is skipped by Node's exit as well.
    }
  }
}

function watchStdioTtys(): void {
  for (const fd of [0, 1, 2]) if (isatty(fd)) stdioTtys.add(fd);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', releaseHungUpStdio);
}

export function openBlessedTerminal(opts: BlessedOptions = {}): Terminal {
  // blessed writes compile errors with console.error while it parses terminfo: keep them off the screen.
  const saved = console.error;
  console.error = () => {};
  let screen: blessed.Widgets.Screen;
  try {
    const program = blessed.program({
      input: opts.input ?? process.stdin,
      output: opts.output ?? process.stdout,
      terminal: opts.terminal ?? process.env.TERM ?? 'xterm',
      tput: true,
      buffer: true,
      zero: true,
      extended: false,
    } as blessed.IBlessedProgramOptions & { extended: boolean; tput: boolean; buffer: boolean; zero: boolean });
    program.on('warning', () => {});
    screen = blessed.screen({ program, smartCSR: true, warnings: false, autoPadding: false, fullUnicode: false });
  } finally {
    console.error = saved;
  }
  screen.on('warning', () => {});
  const panes = new Map<string, BlessedPane>();
  let destroyed = false;
  const closers: (() => void)[] = [];
  const input = opts.input ?? process.stdin;
  const output = opts.output ?? process.stdout;
  let closed = false;
  const onEnd = () => {
    if (closed) return;
    closed = true;
    closers.forEach((f) => f());
  };
  input.on('end', onEnd);
  input.on('close', onEnd);
  // A write that fails (EIO: the terminal is gone) ends the session like EOF on input: nothing
  // can be drawn any more. So does an error on input: setRawMode(false) on a hung-up tty, which
  // blessed calls in destroy(), is an 'error' event too. The listeners stay after destroy():
  // blessed's last writes (leaving the screen) fail the same way.
  output.on('error', onEnd);
  input.on('error', onEnd);
  watchStdioTtys();

  return {
    get cols() {
      return screen.width as number;
    },
    get rows() {
      return screen.height as number;
    },
    pane(name) {
      let p = panes.get(name);
      if (!p) {
        const box = blessed.box({ parent: screen, tags: true, wrap: false, top: 0, left: 0, width: 1, height: 1 });
        p = new BlessedPane(box);
        panes.set(name, p);
      }
      return p;
    },
    onKey(fn) {
      screen.on('keypress', (ch: string | undefined, key: { full?: string; name?: string } | undefined) => {
        let full = key?.full ?? key?.name ?? ch ?? '';
        // blessed reports a CR twice, as `enter` and then `return`: keep one. LF is Enter too.
        if (full === 'return') return;
        if (full === 'linefeed') full = 'enter';
        fn(ch !== undefined && ch.length === 1 && ch >= ' ' && ch !== '\x7f' ? { ch, full } : { full } as KeyEvent);
      });
    },
    onWheel(fn) {
      // Listening for 'mouse' turns the terminal's mouse reporting on (blessed turns it off again
      // on destroy); only the wheel is used, a click does nothing.
      screen.on('mouse', (data: { action?: string }) => {
        if (data.action === 'wheelup' || data.action === 'wheeldown') fn({ full: data.action });
      });
    },
    onResize(fn) {
      screen.on('resize', fn);
    },
    onClose(fn) {
      closers.push(fn);
    },
    render() {
      if (!destroyed) screen.render();
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      input.off('end', onEnd);
      input.off('close', onEnd);
      screen.destroy();
    },
  };
}
