/**
 * The terminal debugger: panes over a Session, single keys for the common commands, a command
 * line over the engine's command table (src/commands/commands.ts, shared with `pdbg script`).
 *
 * The target may run while the UI stays live: `continue` leaves its promise pending (the engine
 * waits off the main thread), the status says "running", and `i`/Ctrl-C interrupts. Leaving —
 * `q`, Ctrl-C while stopped, `detach`, or the terminal closing — lifts every breakpoint and
 * detaches; the target runs on, or stays stopped if it was stopped when pdbg attached.
 */
import { appendFileSync, closeSync, openSync, readSync, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { ProcfsError } from '../procfs/errors.js';
import { Client } from '../commands/client.js';
import { findCommand, helpLines, runCommandLine, splitCommandLine } from '../commands/commands.js';
import { examineCommand } from '../commands/memory-cmds.js';
import { describeStop, isGone, type StopEvent } from '../engine/events.js';
import { evalAddress } from '../engine/expr.js';
import { onInterrupt } from '../procfs/exit-guard.js';
import type { Session } from '../engine/session.js';
import { frameWhere } from '../engine/stack.js';
import { parseLength } from '../commands/values.js';
import { layout, type PaneName } from './layout.js';
import { LineEditor } from './line-editor.js';
import { formatBacktrace } from './panes/backtrace.js';
import { formatDisasm } from './panes/disasm.js';
import { formatHelpBar, KEY_HELP, type Mode } from './panes/help.js';
import { bytesPerRow, formatMemory } from './panes/memory.js';
import { formatRegisters } from './panes/registers.js';
import { formatStatus } from './panes/status.js';
import { Scrollback } from './scrollback.js';
import type { KeyEvent, Line, Terminal } from './terminal.js';
import { DebugView } from './view.js';

export interface TuiOptions {
  readonly terminal: Terminal;
  /** Target's command name and jail hostname for the status line. */
  readonly command: string;
  readonly jail: string;
  /** Append `key_ts render_ts` (ms since the epoch) per step here: the benchmark's hook (PDBG_TUI_TRACE). */
  readonly trace?: string;
  /** A file the target writes its output to (`pdbg debug`): new lines appear in the log pane. */
  readonly targetOutput?: string;
}

/** A command that has not answered in this long shows the running screen (and takes `i`). */
const SLOW_COMMAND_MS = 150;

/** Trace lines redraw the screen at most this often. */
const TRACE_DRAW_MS = 100;

/** The log's scrollback: a long `trace` must not grow pdbg without bound. */
export const LOG_LINES = 5000;

/** Rows one turn of the mouse wheel scrolls (what terminals and less use). */
const WHEEL_ROWS = 3;

/** gdb's question, word for word. */
const KILL_QUESTION = 'Kill the program being debugged? (y or n) ';

const PANES: PaneName[] = ['status', 'disasm', 'memory', 'backtrace', 'regs', 'log', 'cmd', 'help', 'popup'];

export class TuiApp {
  private mode: Mode = 'normal';
  private readonly editor = new LineEditor();
  private readonly view: DebugView;
  private readonly log = new Scrollback(LOG_LINES);
  private readonly popup = new Scrollback();
  /** What `confirm` mode asks, and what a `y` does. */
  private question: { text: string; yes: () => void } | undefined;
  private queue: Promise<void> = Promise.resolve();
  private running: Promise<void> | undefined;
  private quitting = false;
  private done!: () => void;
  readonly finished: Promise<void>;
  private outputPos = 0;
  private outputTimer: NodeJS.Timeout | undefined;
  private lastStop: StopEvent;
  private drawTimer: NodeJS.Timeout | undefined;
  /** The TUI's user of the engine: its value history, displays, trace listeners. */
  private readonly c: Client;

  constructor(
    private readonly s: Session,
    private readonly o: TuiOptions,
  ) {
    this.c = new Client(s);
    this.view = new DebugView(s);
    this.lastStop = s.lastStop;
    this.finished = new Promise((res) => (this.done = res));
  }

  async start(): Promise<void> {
    const t = this.o.terminal;
    for (const p of PANES) t.pane(p);
    this.place();
    t.onKey((k) => this.key(k));
    t.onWheel((k) => this.key(k));
    t.onResize(() => {
      this.place();
      this.enqueue(() => this.refresh());
    });
    t.onClose(() => void this.quit());
    onInterrupt(() => this.key({ full: 'C-c' }));
    this.s.onStop((ev) => (this.lastStop = ev));
    this.s.onMessage((text) => {
      this.say(text);
      if (!this.quitting) this.draw();
    });
    // `trace` lines come at the target's pace, thousands a second: the log takes each, the
    // screen is redrawn at most every TRACE_DRAW_MS.
    this.c.onTraceOutput((line) => {
      this.say(line);
      this.drawSoon();
    });
    if (this.o.targetOutput) {
      this.outputTimer = setInterval(() => this.pollOutput(), 200);
      this.outputTimer.unref();
    }
    await this.view.loadSymbols();
    // The engine's own messages (command output) name addresses through its symbols too.
    await this.s.loadSymbols().catch(() => undefined);
    if (this.view.symbolsNote) this.say(this.view.symbolsNote, true);
    this.say(`attached to ${this.s.pid}; ? for help`);
    await this.refresh();
  }

  // ---- drawing ------------------------------------------------------------------------------

  private place(): void {
    const t = this.o.terminal;
    const l = layout(t.cols, t.rows);
    for (const p of PANES) t.pane(p).place(p === 'popup' && this.mode !== 'popup' ? { ...l.popup, height: 0 } : l[p]);
  }

  private sizes() {
    const t = this.o.terminal;
    const l = layout(t.cols, t.rows);
    return { l, disRows: Math.max(1, l.disasm.height - 1), memRows: Math.max(1, l.memory.height - 1), bpr: bytesPerRow(l.memory.width) };
  }

  private async refresh(): Promise<void> {
    const { disRows, memRows, bpr } = this.sizes();
    try {
      await this.view.refresh(disRows, memRows, bpr);
    } catch (err) {
      this.say((err as Error).message, true);
    }
    this.draw();
  }

  private draw(): void {
    const t = this.o.terminal;
    const { l } = this.sizes();
    const v = this.view;
    // A resume is under way from the moment the key is taken, though the engine flips its state
    // a few microtasks later: the header says so now, and nothing else would redraw it.
    const state = this.mode === 'running' && this.s.state === 'stopped' ? 'running' : this.s.state;
    t.pane('status').setLines(formatStatus({
      command: this.o.command,
      pid: this.s.pid,
      state,
      jail: this.o.jail,
      thread: this.s.current,
      why: describeStop(this.lastStop, v.describe),
      ...(v.frame > 0 && v.bt?.[v.frame] ? { frame: `#${v.frame} ${frameWhere(v.bt[v.frame]!)}` } : {}),
    }));
    const bps = new Set(this.s.state === 'detached' || this.s.state === 'exited' ? [] : this.s.breakpoints().map((b) => b.addr));
    t.pane('disasm').setLines(formatDisasm({
      lines: v.disasm,
      pc: v.regs?.rip,
      breakpoints: bps,
      where: v.where,
      ...(v.disasmNote ? { note: v.disasmNote } : {}),
    }, l.disasm.height, l.disasm.width));
    const label = `0x${v.memShown.toString(16)}${v.memAddr === undefined ? ' (rsp)' : /^0x/i.test(v.memExpr) ? '' : ` (${v.memExpr})`}`;
    t.pane('memory').setLines(formatMemory(v.memShown, v.memBytes, label, v.memError, l.memory.height, l.memory.width, v.absent));
    t.pane('backtrace').setLines(formatBacktrace(v.bt, l.backtrace.height, l.backtrace.width, v.symbols?.modules[0]?.path, v.absent, v.frame));
    t.pane('regs').setLines(formatRegisters(v.regs, v.changed, l.regs.height, l.regs.width, v.absent));
    t.pane('log').setLines(this.log.window(l.log.height));
    t.pane('cmd').setLines([this.commandLine(l.cmd.width)]);
    t.pane('help').setLines([formatHelpBar(this.mode, this.log.below)]);
    t.pane('popup').setLines(this.mode === 'popup' ? this.popupLines(l.popup.height, l.popup.width) : []);
    t.render();
  }

  private drawSoon(): void {
    if (this.drawTimer || this.quitting) return;
    this.drawTimer = setTimeout(() => {
      this.drawTimer = undefined;
      if (!this.quitting) this.draw();
    }, TRACE_DRAW_MS);
  }

  /** The popup's title (where the window is, the keys) over its window of lines. */
  private popupLines(height: number, width: number): Line[] {
    const rows = Math.max(1, height - 1);
    const { first, last } = this.popup.range(rows);
    const where = this.popup.length > rows ? `lines ${first}-${last} of ${this.popup.length}  Up/Down PgUp/PgDn Home/End scroll, ` : '';
    return [[{ text: `${where}any other key closes`.padEnd(width), style: 'title' }], ...this.popup.window(rows)];
  }

  private commandLine(width: number): Line {
    if (this.mode === 'confirm') return [{ text: this.question?.text ?? '' }, { text: ' ', style: 'current' }];
    if (this.mode !== 'command') return [{ text: '(pdbg) ', style: 'dim' }, { text: this.mode === 'normal' ? 'press : for a command' : '', style: 'dim' }];
    const e = this.editor;
    // Keep the cursor in view on a long line.
    const room = Math.max(1, width - 8);
    const from = Math.max(0, e.cursor - room + 1);
    const text = e.text.slice(from);
    const c = e.cursor - from;
    return [{ text: '(pdbg) ' }, { text: text.slice(0, c) }, { text: text[c] ?? ' ', style: 'current' }, { text: text.slice(c + 1) }];
  }

  private say(text: string, error = false): void {
    for (const line of text.split('\n')) this.log.push(error ? [{ text: line, style: 'error' }] : line);
  }

  /** Output longer than the log pane opens in a popup over the panes. */
  private show(lines: readonly string[]): void {
    const { l } = this.sizes();
    if (lines.length <= l.log.height) {
      for (const x of lines) this.say(x);
      return;
    }
    this.popup.reset(lines, Math.max(1, l.popup.height - 1));
    this.mode = 'popup';
    this.place();
  }

  // ---- keys ---------------------------------------------------------------------------------

  private enqueue(fn: () => Promise<void>): void {
    this.queue = this.queue.then(fn).catch((err) => {
      this.say((err as Error).message, true);
      this.draw();
    });
  }

  key(k: KeyEvent): void {
    if (this.quitting) return;
    const f = k.full;
    if (this.mode === 'popup') return this.popupKey(f);
    if (this.mode === 'confirm') return this.answer(k);
    if (this.scrollLog(f)) return;
    if (this.mode === 'running') {
      if (f === 'i' || f === 'C-c' || f === 'f6') void this.s.interrupt().catch((e) => this.say((e as Error).message, true));
      else if (f === 'q' || f === 'f10') void this.quit();
      return;
    }
    if (this.mode === 'command') {
      if (f === 'C-c') {
        this.editor.start();
        this.mode = 'normal';
        this.draw();
        return;
      }
      const r = this.editor.key(k);
      if (r.kind === 'submit') {
        this.mode = this.s.state === 'stopped' ? 'normal' : 'gone';
        this.enqueue(() => this.command(r.line));
      } else if (r.kind === 'cancel') this.mode = 'normal';
      this.draw();
      return;
    }
    if (f === 'q' || f === 'f10' || f === 'C-c') return void this.quit();
    if (this.mode === 'gone') return;
    const keyTs = performance.timeOrigin + performance.now();
    switch (f) {
      case 's':
      case 'f7':
        return this.enqueue(() => this.command('stepi', keyTs));
      case 'c':
      case 'f5':
        return this.enqueue(() => this.command('continue'));
      case ':':
      case 'enter':
        return this.openCommand('');
      case 'b':
      case 'f2':
        return this.openCommand('break ');
      case 'd':
        return this.openCommand('delete ');
      case 'x':
        return this.openCommand('x ');
      case '?':
      case 'f1':
        return this.showHelp();
    }
  }

  /** The table's help (its `help` entry's text), then the keys. */
  private showHelp(): void {
    this.show([...helpLines(), ...KEY_HELP]);
    this.draw();
  }

  /**
   * PgUp/PgDn, Home/End and the wheel scroll the log in every mode but the popup's; Home/End
   * move the cursor while a command is typed, so there only PgUp/PgDn and the wheel scroll.
   */
  private scrollLog(f: string): boolean {
    const h = this.sizes().l.log.height;
    const page = h > 2 ? h - 1 : h;
    switch (f) {
      case 'pageup':
        this.log.scroll(page, h);
        break;
      case 'pagedown':
        this.log.scroll(-page, h);
        break;
      case 'wheelup':
        this.log.scroll(WHEEL_ROWS, h);
        break;
      case 'wheeldown':
        this.log.scroll(-WHEEL_ROWS, h);
        break;
      case 'home':
        if (this.mode === 'command') return false;
        this.log.home(h);
        break;
      case 'end':
        if (this.mode === 'command') return false;
        this.log.end();
        break;
      default:
        return false;
    }
    this.draw();
    return true;
  }

  /** The popup scrolls with the keys a pager has; any other key closes it. */
  private popupKey(f: string): void {
    const rows = Math.max(1, this.sizes().l.popup.height - 1);
    const page = Math.max(1, rows - 1);
    const moves: Record<string, () => void> = {
      up: () => this.popup.scroll(1, rows),
      down: () => this.popup.scroll(-1, rows),
      pageup: () => this.popup.scroll(page, rows),
      pagedown: () => this.popup.scroll(-page, rows),
      wheelup: () => this.popup.scroll(WHEEL_ROWS, rows),
      wheeldown: () => this.popup.scroll(-WHEEL_ROWS, rows),
      home: () => this.popup.home(rows),
      end: () => this.popup.end(),
    };
    const move = moves[f];
    if (move) move();
    else {
      this.mode = this.s.state === 'stopped' ? 'normal' : 'gone';
      this.place();
    }
    this.draw();
  }

  /** Asks a y-or-n question on the command line (gdb's query); `yes` runs on `y`. */
  private ask(text: string, yes: () => void): void {
    this.question = { text, yes };
    this.mode = 'confirm';
    this.draw();
  }

  private answer(k: KeyEvent): void {
    const q = this.question;
    this.question = undefined;
    this.mode = this.s.state === 'stopped' ? 'normal' : 'gone';
    this.say(`${q?.text ?? ''}${k.ch ?? ''}`);
    if (q && (k.ch === 'y' || k.ch === 'Y')) q.yes();
    else this.say('Not confirmed.');
    this.draw();
  }

  private openCommand(initial: string): void {
    this.editor.start(initial);
    this.mode = 'command';
    this.draw();
  }

  // ---- commands -----------------------------------------------------------------------------

  private async command(line: string, keyTs?: number): Promise<void> {
    const [name, ...args] = splitCommandLine(line);
    if (!name) return;
    if (keyTs === undefined) this.say(`(pdbg) ${line}`);
    // The table names every command; a few have their effect here: leaving (quit, detach:
    // the TUI's own release), the help, x's memory pane, and kill's question.
    const c = findCommand(name);
    if (c?.action === 'quit') return this.quit();
    if (c?.action === 'help') return this.showHelp();
    // gdb's x/FMT prints its units; pdbg's `x EXPR [LEN]` points the memory pane.
    if (c === examineCommand && !args[0]?.startsWith('/')) return this.examine(args);
    // gdb asks before killing when a person is at the terminal (a script does not ask).
    if (c?.name === 'kill' && args.length === 0 && this.s.state === 'stopped') return this.ask(KILL_QUESTION, () => this.enqueue(() => this.execute(line)));
    return this.execute(line, keyTs);
  }

  /** A command of the engine's table: a resuming one runs without blocking keys. */
  private async execute(line: string, keyTs?: number): Promise<void> {
    const [name] = splitCommandLine(line);
    if (this.s.state !== 'stopped') throw new ProcfsError('ESRCH', `the target is ${this.s.state}`);
    const c = findCommand(name);
    if (c?.resumes) return this.resume(line);
    this.view.keepForCompare();
    // A step into a blocking system call does not come back by itself: after a moment the
    // screen says so, and `i`/Ctrl-C interrupt it as they do a continue.
    const slow = setTimeout(() => {
      this.mode = 'running';
      this.view.running();
      this.draw();
    }, SLOW_COMMAND_MS);
    let out: Awaited<ReturnType<typeof runCommandLine>>;
    try {
      out = await runCommandLine(this.c, line);
    } finally {
      clearTimeout(slow);
      if (this.mode === 'running') this.mode = this.s.state === 'stopped' ? 'normal' : 'gone';
    }
    if (this.quitting) return;
    this.tookStop(out.stop);
    if (out.stop && keyTs === undefined) this.say(out.lines.join('\n'));
    else if (!out.stop) this.show(out.lines);
    if (out.stop && isGone(out.stop)) this.mode = 'gone';
    await this.refresh();
    if (keyTs !== undefined && this.o.trace) {
      appendFileSync(this.o.trace, `${keyTs.toFixed(3)} ${(performance.timeOrigin + performance.now()).toFixed(3)}\n`);
    }
  }

  /** `x ADDR [LEN]`: points the memory pane at an address (`x rsp` or `x sp`: follow the stack again). */
  private async examine(args: readonly string[]): Promise<void> {
    if (args.length < 1 || args.length > 2) throw new ProcfsError('EINVAL', 'usage: x SYM|ADDR|REG [LEN]');
    const a = args[0]!;
    if (/^\$?(rsp|sp)$/i.test(a)) {
      this.view.memAddr = undefined;
      this.view.memExpr = 'rsp';
    } else {
      // An expression: `rsi`, `$pc`, `main+4`, `*$rsp` (expr.ts).
      const addr = await evalAddress(a, this.c.context());
      this.view.memAddr = addr;
      this.view.memExpr = a;
    }
    if (args[1] !== undefined) this.view.memLen = parseLength(args[1], 65536);
    const { memRows, bpr } = this.sizes();
    const len = args[1] !== undefined ? this.view.memLen : memRows * bpr;
    await this.view.refresh(this.sizes().disRows, Math.ceil(len / bpr), bpr);
    this.say(`memory at ${this.view.describe(this.view.memShown)}${args[1] ? `, ${len} bytes` : ''}`);
    this.draw();
  }

  /**
   * The stop a command reports is the header's reason: a command built of engine stops (nexti
   * over a call runs to an internal breakpoint the stop listener saw) reports the one it means.
   */
  private tookStop(stop: StopEvent | undefined): void {
    if (stop) this.lastStop = stop;
  }

  /** Runs a resuming command without blocking keys; its stop ends the running mode. */
  private async resume(line: string): Promise<void> {
    this.view.keepForCompare();
    this.mode = 'running';
    const p = runCommandLine(this.c, line);
    this.view.running();
    this.draw();
    this.running = p.then(
      async (out) => {
        this.running = undefined;
        this.tookStop(out.stop);
        this.say(out.lines.join('\n'));
        this.mode = out.stop && isGone(out.stop) ? 'gone' : this.s.state === 'stopped' ? 'normal' : 'gone';
        if (!this.quitting) await this.refresh();
      },
      (err) => {
        this.running = undefined;
        this.mode = this.s.state === 'stopped' ? 'normal' : 'gone';
        this.say((err as Error).message, true);
        if (!this.quitting) this.draw();
      },
    );
  }

  // ---- leaving ------------------------------------------------------------------------------

  async quit(): Promise<void> {
    if (this.quitting) return;
    this.quitting = true;
    try {
      if (this.s.state === 'running') {
        await this.s.interrupt();
        await this.running;
      }
      if (this.s.state === 'stopped') await this.s.detach();
    } catch (err) {
      this.say((err as Error).message, true);
    } finally {
      onInterrupt(undefined);
      if (this.outputTimer) clearInterval(this.outputTimer);
      if (this.drawTimer) clearTimeout(this.drawTimer);
      this.o.terminal.destroy();
      this.done();
    }
  }

  private pollOutput(): void {
    const path = this.o.targetOutput!;
    try {
      const size = statSync(path).size;
      if (size <= this.outputPos) return;
      const fd = openSync(path, 'r');
      const buf = Buffer.alloc(Math.min(size - this.outputPos, 65536));
      const n = readSync(fd, buf, 0, buf.length, this.outputPos);
      closeSync(fd);
      this.outputPos += n;
      for (const line of buf.subarray(0, n).toString('utf8').split('\n').filter(Boolean)) this.say(`> ${line}`);
      if (!this.quitting) this.draw();
    } catch {
      // The file may not exist yet.
    }
  }
}

/** Runs the TUI over an attached session until the user leaves; the target is released by then. */
export async function runTui(s: Session, o: TuiOptions): Promise<void> {
  const app = new TuiApp(s, o);
  await app.start();
  await app.finished;
}
