import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { LinuxProcFs } from '../src/procfs/sources/linux/index.js';
import { ProcessSymbols } from '../src/engine/symbols/process-symbols.js';
import { layout, type PaneName } from '../src/tui/layout.js';
import { LOG_LINES } from '../src/tui/app.js';
import { LineEditor } from '../src/tui/line-editor.js';
import { Scrollback } from '../src/tui/scrollback.js';
import { bytesPerRow, formatMemory } from '../src/tui/panes/memory.js';
import { changedRegisters, formatRegisters } from '../src/tui/panes/registers.js';
import { formatDisasm } from '../src/tui/panes/disasm.js';
import { spanText } from '../src/tui/terminal.js';
import { pdbg, pdbgBin, isCleanError } from './helpers/cli.js';
import { destroyAllJails, makeJail } from './helpers/jails.js';
import { liveOk } from './helpers/root.js';
import { buildTarget, killAll, procState, startTarget, type Target } from './helpers/targets.js';
import { killAllTmux, startInTmux, type TmuxPane } from './helpers/tmux.js';

afterAll(() => {
  killAllTmux();
  killAll();
  destroyAllJails();
});

describe('layout', () => {
  it.each([[80, 24], [100, 30], [200, 60], [60, 20]])('%ix%i: panes inside the screen, none overlapping', (cols, rows) => {
    const l = layout(cols, rows);
    const names = (Object.keys(l) as PaneName[]).filter((n) => n !== 'popup');
    const cells = new Set<string>();
    for (const n of names) {
      const r = l[n];
      expect(r.left + r.width, n).toBeLessThanOrEqual(cols);
      expect(r.top + r.height, n).toBeLessThanOrEqual(rows);
      for (let y = r.top; y < r.top + r.height; y++) {
        for (let x = r.left; x < r.left + r.width; x++) {
          expect(cells.has(`${x},${y}`), `${n} overlaps at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
    expect(cells.size).toBe(cols * rows);
  });

  it('80x24 has room for the 17 general registers and 8 instructions', () => {
    const l = layout(80, 24);
    expect(l.regs.height - 1).toBeGreaterThanOrEqual(17);
    expect(l.disasm.height - 1).toBeGreaterThanOrEqual(8);
    expect(bytesPerRow(l.memory.width)).toBeGreaterThanOrEqual(8);
  });
});

describe('command line editor', () => {
  const type = (e: LineEditor, s: string) => [...s].forEach((ch) => e.key({ ch, full: ch }));
  it('edits, submits, and walks the history keeping the draft', () => {
    const e = new LineEditor();
    e.start('break ');
    type(e, 'main');
    expect(e.key({ full: 'enter' })).toEqual({ kind: 'submit', line: 'break main' });
    e.start();
    type(e, 'stepi 3');
    e.key({ full: 'enter' });
    e.start();
    type(e, 'x 0x');
    e.key({ full: 'up' });
    expect(e.text).toBe('stepi 3');
    e.key({ full: 'up' });
    expect(e.text).toBe('break main');
    e.key({ full: 'up' });
    expect(e.text).toBe('break main');
    e.key({ full: 'down' });
    e.key({ full: 'down' });
    expect(e.text).toBe('x 0x');
    e.key({ full: 'left' });
    e.key({ full: 'backspace' });
    expect(e.text).toBe('x x');
    expect(e.key({ full: 'escape' })).toEqual({ kind: 'cancel' });
    expect(e.text).toBe('');
    expect(e.entries()).toEqual(['break main', 'stepi 3']);
  });
});

describe('pane formatting', () => {
  it('marks changed registers and only those', () => {
    const before = { rip: 1n, rsp: 2n, rax: 3n };
    const now = { rip: 5n, rsp: 2n, rax: 4n };
    const ch = changedRegisters(now, before);
    expect([...ch].sort()).toEqual(['rax', 'rip']);
    const text = formatRegisters(now, ch, 10, 28).map(spanText);
    expect(text.find((l) => l.includes('rip'))).toMatch(/^\*rip\s+0x0+5$/);
    expect(text.find((l) => l.includes('rsp'))).toMatch(/^ rsp\s+0x0+2$/);
    expect(changedRegisters(now, undefined).size).toBe(0);
  });

  it('dumps memory as hex and ASCII rows at the address', () => {
    const bytes = Buffer.from('Hello, pdbg!\x00\x01\x02\x03', 'latin1');
    const rows = formatMemory(0x1000n, bytes, '0x1000', undefined, 5, 52).map(spanText);
    expect(rows[1]).toBe('0x000000001000: 48 65 6c 6c 6f 2c 20 70 Hello, p');
    expect(rows[2]).toBe('0x000000001008: 64 62 67 21 00 01 02 03 dbg!....');
    expect(formatMemory(0n, undefined, 'x', 'EIO at 0x0', 5, 52).map(spanText)[1]).toBe('EIO at 0x0');
  });

  it('marks the pc and breakpoints in the disassembly', () => {
    const lines = [
      { address: 0x10n, length: 1, bytes: '55', text: 'push   %rbp' },
      { address: 0x11n, length: 3, bytes: '48 89 e5', text: 'mov    %rsp,%rbp' },
    ];
    const out = formatDisasm({ lines, pc: 0x11n, breakpoints: new Set([0x10n]), where: (a) => (a === 0x10n ? 'f' : `f+${a - 0x10n}`) }, 5, 60).map(spanText);
    expect(out[0]).toMatch(/^disassembly\s+f/);
    expect(out[1]).toMatch(/^b   0x10 <\+0>\s+push %rbp/);
    expect(out[2]).toMatch(/^ => 0x11 <\+1>\s+mov %rsp,%rbp/);
  });
});

describe('scrollback', () => {
  it('keeps the log bounded, newest lines kept, and a window scrolled back stays on its lines while output comes', () => {
    const log = new Scrollback(LOG_LINES);
    for (let i = 0; i < LOG_LINES * 3; i++) log.push(`line ${i}`);
    expect(log.length).toBeLessThanOrEqual(LOG_LINES);
    expect(log.length).toBeGreaterThan(LOG_LINES * 0.8);
    expect(log.window(2)).toEqual([`line ${LOG_LINES * 3 - 2}`, `line ${LOG_LINES * 3 - 1}`]);
    log.scroll(10, 2);
    const shown = log.window(2);
    log.push('new');
    expect(log.window(2)).toEqual(shown);
    expect(log.below).toBe(11);
    log.home(2);
    expect(log.range(2).first).toBe(1);
    log.end();
    expect(log.window(2)).toEqual([`line ${LOG_LINES * 3 - 1}`, 'new']);
  });

  it('a popup opens on its first page and scrolls no further than its ends', () => {
    const p = new Scrollback();
    p.reset(Array.from({ length: 50 }, (_, i) => `h${i}`), 20);
    expect(p.range(20)).toEqual({ first: 1, last: 20 });
    p.scroll(-1000, 20);
    expect(p.range(20)).toEqual({ first: 31, last: 50 });
    p.scroll(1000, 20);
    expect(p.window(20)[0]).toBe('h0');
  });
});

describe('pdbg attach/debug without a terminal', () => {
  it('bad input and a pipe are one clean line each', () => {
    expect(isCleanError(pdbg(['attach', 'abc']))).toBe(true);
    const noTty = pdbg(['attach', String(process.pid)]);
    expect(isCleanError(noTty)).toBe(true);
    expect(noTty.stderr).toMatch(/terminal/);
    expect(isCleanError(pdbg(['debug']))).toBe(true);
  });
});

// ---- live, in tmux ----------------------------------------------------------------------------

const tmuxOk = spawnSync('tmux', ['-V']).status === 0;

/** The screen's register pane value for a register (`*` = changed). */
function screenReg(screen: string, name: string): { value: bigint; changed: boolean } | undefined {
  const m = new RegExp(`(\\*| )${name}\\s+(0x[0-9a-f]{16})`).exec(screen);
  return m ? { value: BigInt(m[2]!), changed: m[1] === '*' } : undefined;
}

function waitState(pid: number, want: (s: string) => boolean, ms = 5000): Promise<string> {
  return new Promise((res, rej) => {
    const t0 = Date.now();
    const tick = () => {
      const s = procState(pid).state;
      if (want(s)) return res(s);
      if (Date.now() - t0 > ms) return rej(new Error(`pid ${pid}: state ${s} after ${ms} ms`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

/** The target's tick counter, read from outside (root reads any process's memory). */
function ticks(pid: number, addr: bigint): bigint {
  const fd = execFileSync('dd', [`if=/proc/${pid}/mem`, 'bs=1', `skip=${addr}`, 'count=8', 'status=none'], { encoding: 'buffer' });
  return fd.readBigUInt64LE(0);
}

function textBytes(pid: number, addr: bigint, n: number): string {
  return execFileSync('dd', [`if=/proc/${pid}/mem`, 'bs=1', `skip=${addr}`, `count=${n}`, 'status=none'], { encoding: 'buffer' }).toString('hex');
}

async function runsOn(pid: number, counter: bigint): Promise<void> {
  const a = ticks(pid, counter);
  const t0 = Date.now();
  while (ticks(pid, counter) === a) {
    if (Date.now() - t0 > 5000) throw new Error(`pid ${pid} does not run: tick counter stuck at ${a}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function attachIn(t: Target, opts: { term?: string; cols?: number; rows?: number; env?: Record<string, string> } = {}): { pane: TmuxPane; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pdbg-tui-'));
  const stderr = join(dir, 'stderr');
  // stderr to a file: anything blessed or pdbg prints outside the screen is checked too.
  const pane = startInTmux(['sh', '-c', `exec node ${pdbgBin} attach ${t.pid} 2>${stderr}`], opts);
  return { pane, stderr };
}

const ATTACHED = (s: string) => /\bstopped\b/.test(s) && /registers/.test(s) && /rip\s+0x/.test(s);
const TERMINFO_NOISE = /Setulc|Error on|terminfo|tput|stack\.push/i;

describe.skipIf(!tmuxOk || !liveOk('tui in tmux'))('pdbg attach in a real terminal (tmux)', () => {
  let target: Target | undefined;
  afterEach(() => {
    killAllTmux();
    target?.kill();
    target = undefined;
  });

  async function start(): Promise<{ t: Target; syms: ProcessSymbols; counter: bigint; tick: bigint }> {
    const t = startTarget('tuitarget');
    target = t;
    await t.waitFor(/ready/);
    const syms = await ProcessSymbols.forProcess(new LinuxProcFs(), t.pid);
    return { t, syms, counter: syms.lookup('tui_ticks').address, tick: syms.lookup('tui_tick').address };
  }

  it('shows the rip pdbg regs reports, x shows what pdbg mem reads, s steps, a breakpoint stops there, q leaves it unmodified', async () => {
    const { t, syms, counter, tick } = await start();
    const tickBytes = textBytes(t.pid, tick, 16);
    process.kill(t.pid, 'SIGSTOP');
    await waitState(t.pid, (s) => s === 'T');
    const regs = JSON.parse(pdbg(['regs', '--json', String(t.pid)]).stdout) as { regs: Record<string, string> };
    const rip = BigInt(regs.regs.rip!);
    const rsp = BigInt(regs.regs.rsp!);
    const mem = JSON.parse(pdbg(['mem', '--json', String(t.pid), `0x${rsp.toString(16)}`, '32']).stdout) as { bytes: string };

    const { pane, stderr } = attachIn(t);
    let screen = await pane.waitFor(ATTACHED);
    expect(screen).toContain(`pid ${t.pid}`);
    expect(screen).toContain('tuitarget');
    expect(screenReg(screen, 'rip')?.value).toBe(rip);
    expect(screenReg(screen, 'rsp')?.value).toBe(rsp);

    // x at the stack pointer: the pane's bytes are pdbg mem's.
    pane.keys('x');
    pane.keys(`0x${rsp.toString(16)} 32`, true);
    pane.keys('Enter');
    screen = await pane.waitFor(new RegExp(`memory 0x${rsp.toString(16)}`));
    const rows = [...screen.matchAll(/^0x([0-9a-f]{12}): ((?:[0-9a-f]{2} ){7}[0-9a-f]{2})/gm)];
    const shown = rows.filter((r) => BigInt(`0x${r[1]}`) >= rsp).map((r) => r[2]!.replace(/ /g, '')).join('');
    expect(shown.length).toBeGreaterThanOrEqual(32);
    expect(shown.slice(0, 64)).toBe(mem.bytes.slice(0, 64));

    // Steps: rip changes and is marked changed. (The first step of a target stopped inside a
    // system call may only restart the call, leaving rip where it was: step until it moves.)
    for (let i = 0; i < 4 && screenReg(screen, 'rip')?.value === rip; i++) {
      const before = pane.screen().join('\n');
      pane.keys('s');
      screen = await pane.waitFor((s) => s !== before && /(stepped to|signal trap at) 0x/.test(s));
    }
    expect(screenReg(screen, 'rip')?.value).not.toBe(rip);
    expect(screenReg(screen, 'rip')?.changed).toBe(true);

    // A breakpoint on a symbol: continue stops exactly there.
    pane.keys('b');
    pane.keys('tui_tick', true);
    pane.keys('Enter');
    await pane.waitFor(/breakpoint 1 at 0x[0-9a-f]+ <tui_tick>/);
    pane.keys('c');
    screen = await pane.waitFor(/breakpoint 1 at 0x[0-9a-f]+ <tui_tick> \(thread/);
    expect(screenReg(screen, 'rip')?.value).toBe(tick);
    expect(screen).toMatch(new RegExp(`^b=> 0x${tick.toString(16)} <\\+0>`, 'm'));
    expect(screen).toMatch(/^>#0 0x[0-9a-f]+ tui_tick\b.*\n #1 0x[0-9a-f]+ main\+\d+/m);
    expect(syms.describe(tick)).toBe('tui_tick');

    // up: the panes follow the caller's frame (its pc, its rsp), the status names it; down comes back.
    const frame1 = BigInt(/^ #1 (0x[0-9a-f]+) main\+\d+/m.exec(screen)![1]!);
    pane.keys(':');
    pane.keys('up', true);
    pane.keys('Enter');
    screen = await pane.waitFor(/\[frame #1 main\+\d+\]/);
    expect(screen).toMatch(/^>#1 0x[0-9a-f]+ main\+\d+/m);
    expect(screenReg(screen, 'rip')?.value).toBe(frame1);
    expect(screen).toMatch(new RegExp(`=> 0x${frame1.toString(16)} <\\+\\d+>`));
    expect(screen).toMatch(/^disassembly\s+main\b/m);
    pane.keys(':');
    pane.keys('down', true);
    pane.keys('Enter');
    screen = await pane.waitFor((text) => !/\[frame #/.test(text) && /^ #1 /m.test(text) && screenReg(text, 'rip')?.value === tick);

    pane.keys('q');
    await pane.waitFor(() => !pane.alive());
    expect(procState(t.pid).tracerPid).toBe(0);
    expect(textBytes(t.pid, tick, 16)).toBe(tickBytes);
    process.kill(t.pid, 'SIGCONT');
    await runsOn(t.pid, counter);
    expect(readFileSync(stderr, 'utf8')).toBe('');
  });

  it('continue keeps the UI live: status says running, i interrupts, Ctrl-C then detaches', async () => {
    const { t, counter, tick } = await start();
    const tickBytes = textBytes(t.pid, tick, 16);
    const { pane } = attachIn(t);
    await pane.waitFor(ATTACHED);
    pane.keys(':');
    pane.keys('break tui_tick', true);
    pane.keys('Enter');
    await pane.waitFor(/breakpoint 1 at/);
    pane.keys(':');
    pane.keys('delete 1', true);
    pane.keys('Enter');
    await pane.waitFor(/deleted breakpoint 1/);
    pane.keys('c');
    await pane.waitFor(/ running /);
    // The target really runs meanwhile, and the screen still answers keys.
    await runsOn(t.pid, counter);
    pane.keys('i');
    const screen = await pane.waitFor(/interrupted at 0x[0-9a-f]+/);
    expect(screen).toMatch(/ stopped /);
    pane.keys('C-c');
    await pane.waitFor(() => !pane.alive());
    expect(procState(t.pid).tracerPid).toBe(0);
    await runsOn(t.pid, counter);
    expect(textBytes(t.pid, tick, 16)).toBe(tickBytes);
  });

  /** Kills the pane's terminal and waits for pdbg to end; returns what it wrote to stderr. */
  async function closeTerminal(pane: TmuxPane, stderr: string): Promise<string> {
    const pdbgPid = pane.panePid();
    pane.kill();
    const t0 = Date.now();
    while (existsSync(`/proc/${pdbgPid}`) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(`/proc/${pdbgPid}`)).toBe(false);
    return readFileSync(stderr, 'utf8');
  }

  /**
   * What a closed terminal may leave on stderr: nothing, or the exit guard's one line when the
   * SIGHUP wins. Never Node's unhandled `write EIO`/`setRawMode EIO` event or its ResetStdio
   * assertion (it restores termios on a hung-up tty).
   */
  function expectQuietEnd(text: string): void {
    expect(text).not.toMatch(/Assertion|EIO|node:|\n\s+at |Native stack/);
    for (const line of text.split('\n').filter(Boolean)) expect(line).toMatch(/^pdbg: terminated by SIGHUP; released the target \(left as found\)$/);
  }

  it('a closed terminal (hangup) lifts the breakpoint, lets the target run on, and pdbg ends without a stack or assertion', async () => {
    const { t, counter, tick } = await start();
    const tickBytes = textBytes(t.pid, tick, 16);
    const { pane, stderr } = attachIn(t);
    await pane.waitFor(ATTACHED);
    pane.keys('b');
    pane.keys('tui_tick', true);
    pane.keys('Enter');
    await pane.waitFor(/breakpoint 1 at/);
    expect(textBytes(t.pid, tick, 1)).toBe('cc');
    expectQuietEnd(await closeTerminal(pane, stderr));
    expect(procState(t.pid).tracerPid).toBe(0);
    expect(textBytes(t.pid, tick, 16)).toBe(tickBytes);
    await runsOn(t.pid, counter);
  });

  it('a terminal closed while the target runs (continue) ends pdbg quietly, the target untraced and running', async () => {
    const { t, counter } = await start();
    const { pane, stderr } = attachIn(t);
    await pane.waitFor(ATTACHED);
    pane.keys('c');
    await pane.waitFor(/ running /);
    expectQuietEnd(await closeTerminal(pane, stderr));
    expect(procState(t.pid).tracerPid).toBe(0);
    await runsOn(t.pid, counter);
  });

  it('resizes cleanly between 80x24 and 132x43', async () => {
    const { t, counter } = await start();
    const { pane, stderr } = attachIn(t);
    await pane.waitFor(ATTACHED);
    expect(pane.screen()[0]).toMatch(/^pdbg tuitarget\s+pid/);
    pane.resize(132, 43);
    let screen = await pane.waitFor((s) => /eflags\s+0x[0-9a-f]{16} \[/.test(s));
    expect(screen.split('\n')[0]).toMatch(/^pdbg tuitarget/);
    pane.resize(80, 24);
    // The whole redraw, key bar included: a capture can land between blessed's writes.
    screen = await pane.waitFor((s) => !/eflags/.test(s) && /rip\s+0x/.test(s) && /s\/F7 step/.test(s));
    const lines = screen.split('\n');
    expect(lines[0]).toMatch(/^pdbg tuitarget/);
    expect(lines.filter((l) => l.length > 80)).toEqual([]);
    expect(lines.some((l) => /s\/F7 step/.test(l))).toBe(true);
    pane.keys('q');
    await pane.waitFor(() => !pane.alive());
    await runsOn(t.pid, counter);
    expect(readFileSync(stderr, 'utf8')).toBe('');
  });

  /** The screen's first two rows: the header (state) and why it stopped. */
  const header = (screen: string) => screen.split('\n').slice(0, 2).join('\n');

  it('the header says running while the target runs, and stopped with the new reason at the next stop', async () => {
    const { t, counter } = await start();
    const { pane, stderr } = attachIn(t);
    await pane.waitFor(ATTACHED);
    expect(header(pane.screen().join('\n'))).toMatch(/ stopped .*\nstopped at 0x/);
    pane.keys('c');
    let screen = await pane.waitFor((s) => / running /.test(header(s)));
    expect(header(screen)).toMatch(new RegExp(`^pdbg tuitarget\\s+pid ${t.pid}\\s+running\\s+jail`));
    expect(header(screen)).toMatch(/\nrunning: i or Ctrl-C interrupts$/);
    // Still so while it really runs (nothing redraws it back to the stale stop).
    await runsOn(t.pid, counter);
    expect(header(pane.screen().join('\n'))).toMatch(/ running /);
    pane.keys('i');
    screen = await pane.waitFor((s) => / stopped .*\ninterrupted at 0x/.test(header(s)));
    // A breakpoint: running, then stopped with the breakpoint as the reason.
    pane.keys('b');
    pane.keys('tui_tick', true);
    pane.keys('Enter');
    await pane.waitFor(/breakpoint 1 at 0x[0-9a-f]+ <tui_tick>$/m);
    pane.keys('c');
    screen = await pane.waitFor((s) => / stopped .*\nbreakpoint 1 at 0x[0-9a-f]+ <tui_tick> \(thread/.test(header(s)));
    // finish and nexti run to the engine's own breakpoints: the header names the return and the
    // step, never a breakpoint (no `temporary breakpoint 2`, no `breakpoint -1`).
    const command = async (line: string, done: RegExp) => {
      pane.keys(':');
      pane.keys(line, true);
      pane.keys('Enter');
      return pane.waitFor((s) => done.test(header(s)));
    };
    screen = await command('finish', / stopped .*\nreturned to 0x[0-9a-f]+ <main\+\d+> \(thread/);
    await command('delete 1', / stopped /);
    // main's loop: call tui_wait, jmp, call tui_tick, call tui_wait: two calls run over.
    const pcOf = (s: string) => /\n\S+ .*?(0x[0-9a-f]+) </.exec(header(s))?.[1];
    for (let i = 0; i < 4; i++) {
      const before = pcOf(pane.screen().join('\n'));
      pane.keys(':');
      pane.keys('nexti', true);
      pane.keys('Enter');
      screen = await pane.waitFor((s) => pcOf(s) !== before && / stopped /.test(header(s)));
      expect(header(screen)).toMatch(/ stopped .*\nstepped to 0x[0-9a-f]+ <main\+\d+> \(thread/);
    }
    pane.keys('q');
    await pane.waitFor(() => !pane.alive());
    expect(readFileSync(stderr, 'utf8')).toBe('');
  }, 120_000);

  it('the help scrolls to its last lines at 40 rows (End, PgUp/PgDn, Up/Down, Home, wheel); the log keeps what scrolled away (PgUp, wheel, End)', async () => {
    const { t } = await start();
    const { pane, stderr } = attachIn(t, { cols: 100, rows: 40 });
    await pane.waitFor(ATTACHED);
    pane.keys('?');
    let screen = await pane.waitFor(/any other key closes/);
    const total = Number(/lines 1-\d+ of (\d+)/.exec(screen)![1]);
    expect(screen).toMatch(/^break (\[-p\] )?SYM/m);
    // The window is shorter than the help: its last commands are below.
    expect(screen).not.toMatch(/^detach +lift every breakpoint/m);
    pane.keys('End');
    const tail = [/^backtrace /m, /^frame /m, /^finish /m, /^trace SYM/m, /^kill /m, /^detach +lift every breakpoint/m, /^quit +detach and leave/m];
    // The status line is drawn before the body: wait for the body too, not a capture mid-redraw.
    const atEnd = new RegExp(`lines \\d+-${total} of ${total}`);
    screen = await pane.waitFor((s) => atEnd.test(s) && tail.every((c) => c.test(s)));
    for (const c of tail) expect(screen).toMatch(c);
    expect(screen).not.toMatch(/^break (\[-p\] )?SYM/m);
    pane.keys('Home');
    await pane.waitFor(/lines 1-\d+ of /);
    pane.keys('Down');
    await pane.waitFor(/lines 2-\d+ of /);
    pane.keys('PageDown');
    screen = await pane.waitFor((s) => /lines (\d+)-/.test(s) && Number(/lines (\d+)-/.exec(s)![1]) > 2);
    pane.keys('Up');
    const at = Number(/lines (\d+)-/.exec(screen)![1]);
    await pane.waitFor(new RegExp(`lines ${at - 1}-`));
    pane.keys('PageUp');
    await pane.waitFor(/lines 1-\d+ of /);
    // The wheel, as a terminal reports it (SGR mouse: button 65 down, 64 up).
    pane.keys('\x1b[<65;10;10M', true);
    await pane.waitFor(/lines 4-\d+ of /);
    pane.keys('\x1b[<64;10;10M', true);
    await pane.waitFor(/lines 1-\d+ of /);
    pane.keys('Space');
    await pane.waitFor((s) => !/any other key closes/.test(s) && /press : for a command/.test(s));

    // The log: twelve results, the first long scrolled out of its few rows.
    for (let i = 1; i <= 12; i++) {
      pane.keys(':');
      pane.keys(`print ${i}00`, true);
      pane.keys('Enter');
      await pane.waitFor(new RegExp(`^\\$${i} = ${i}00$`, 'm'));
    }
    expect(pane.screen().join('\n')).not.toMatch(/^\$1 = 100$/m);
    for (let i = 0; i < 40 && !/^\$1 = 100$/m.test(pane.screen().join('\n')); i++) {
      const before = pane.screen().join('\n');
      pane.keys('PageUp');
      await pane.waitFor((s) => s !== before || /^\$1 = 100$/m.test(s));
    }
    screen = await pane.waitFor(/^\$1 = 100$/m);
    expect(screen).toMatch(/log: \d+ newer lines below, End\/PgDn/);
    pane.keys('End');
    screen = await pane.waitFor((s) => /^\$12 = 1200$/m.test(s) && !/newer lines? below/.test(s));
    pane.keys('\x1b[<64;10;38M', true);
    screen = await pane.waitFor(/log: 3 newer lines below/);
    expect(screen).not.toMatch(/^\$12 = 1200$/m);
    pane.keys('\x1b[<65;10;38M', true);
    await pane.waitFor((s) => /^\$12 = 1200$/m.test(s) && !/newer lines? below/.test(s));
    pane.keys('q');
    await pane.waitFor(() => !pane.alive());
    expect(readFileSync(stderr, 'utf8')).toBe('');
  }, 120_000);

  it('change marks survive a resize', async () => {
    const { t } = await start();
    const { pane, stderr } = attachIn(t);
    let screen = await pane.waitFor(ATTACHED);
    const rip = screenReg(screen, 'rip')!.value;
    for (let i = 0; i < 4 && screenReg(screen, 'rip')?.value === rip; i++) {
      const before = pane.screen().join('\n');
      pane.keys('s');
      screen = await pane.waitFor((s) => s !== before && /(stepped to|signal trap at) 0x/.test(s));
    }
    expect(screenReg(screen, 'rip')?.changed).toBe(true);
    const marked = [...screen.matchAll(/^.*\*(\w+)\s+0x[0-9a-f]{16}/gm)].map((m) => m[1]).sort();
    expect(marked).toContain('rip');
    pane.resize(132, 43);
    screen = await pane.waitFor((s) => /eflags\s+0x[0-9a-f]{16} \[/.test(s) && /s\/F7 step/.test(s));
    // The big screen shows more registers (eflags, orig_rax…): the marks of those shown before are all there.
    expect([...screen.matchAll(/^.*\*(\w+)\s+0x[0-9a-f]{16}/gm)].map((m) => m[1])).toEqual(expect.arrayContaining(marked));
    pane.resize(80, 24);
    screen = await pane.waitFor((s) => !/eflags/.test(s) && /rip\s+0x/.test(s) && /s\/F7 step/.test(s));
    expect([...screen.matchAll(/^.*\*(\w+)\s+0x[0-9a-f]{16}/gm)].map((m) => m[1]).sort()).toEqual(marked);
    // A command that changes no register (print) keeps them too; the next step recomputes them.
    pane.keys(':');
    pane.keys('print 7', true);
    pane.keys('Enter');
    screen = await pane.waitFor(/^\$1 = 7$/m);
    expect(screenReg(screen, 'rip')?.changed).toBe(true);
    pane.keys('q');
    await pane.waitFor(() => !pane.alive());
    expect(readFileSync(stderr, 'utf8')).toBe('');
  }, 120_000);

  it('kill asks as gdb does: anything but y keeps the target, y kills it and the session ends as killed', async () => {
    const { t } = await start();
    const { pane, stderr } = attachIn(t);
    await pane.waitFor(ATTACHED);
    const pdbgPid = pane.panePid();
    pane.keys(':');
    pane.keys('kill', true);
    pane.keys('Enter');
    await pane.waitFor(/^Kill the program being debugged\? \(y or n\)/m);
    pane.keys('n');
    await pane.waitFor(/^Kill the program being debugged\? \(y or n\) n\nNot confirmed\.$/m);
    expect(procState(t.pid).state).not.toBe('Z');
    expect(procState(t.pid).tracerPid).toBe(pdbgPid);
    pane.keys(':');
    pane.keys('kill', true);
    pane.keys('Enter');
    await pane.waitFor(/^Kill the program being debugged\? \(y or n\)\s*$/m);
    pane.keys('Enter');
    await pane.waitFor(/^Kill the program being debugged\? \(y or n\)\s*\nNot confirmed\.$/m);
    pane.keys(':');
    pane.keys('kill', true);
    pane.keys('Enter');
    await pane.waitFor(/^Kill the program being debugged\? \(y or n\)\s*$/m);
    pane.keys('y');
    const screen = await pane.waitFor((s) => / exited .*\nkilled by signal kill/.test(header(s)));
    expect(screen).toMatch(new RegExp(`^\\[process ${t.pid} killed\\]$`, 'm'));
    expect(await t.exited()).toEqual({ code: null, signal: 'SIGKILL' });
    pane.keys('q');
    await pane.waitFor(() => !pane.alive());
    expect(readFileSync(stderr, 'utf8')).toBe('');
  }, 120_000);

  it.each(['xterm-256color', 'screen', 'tmux-256color'])('starts cleanly under TERM=%s', async (term) => {
    const { t } = await start();
    const { pane, stderr } = attachIn(t, { term });
    const screen = await pane.waitFor(ATTACHED);
    expect(screen).not.toMatch(TERMINFO_NOISE);
    pane.keys('q');
    await pane.waitFor(() => !pane.alive());
    expect(readFileSync(stderr, 'utf8')).toBe('');
  });

  it('a terminfo entry with the extended Setulc capability prints no terminfo errors', async (ctx) => {
    if (spawnSync('tic', ['-V']).status !== 0) ctx.skip();
    // ncurses ≥ 6.1 ships xterm-256color with Setulc, whose `::` syntax blessed cannot compile.
    const dir = mkdtempSync(join(tmpdir(), 'pdbg-terminfo-'));
    try {
      const src = execFileSync('infocmp', ['-x', 'xterm-256color'], { encoding: 'utf8' })
        .replace(/pairs#[0-9x]+/, 'pairs#32767')
        .trimEnd() + '\n\tSetulc=\\E[58\\:\\:2\\:\\:%p1%{65536}%/%d\\:\\:%p1%{256}%/%{255}%&%d\\:\\:%p1%{255}%&%d%;m,\n';
      writeFileSync(join(dir, 'src'), src);
      mkdirSync(join(dir, 'db'));
      execFileSync('tic', ['-x', '-o', join(dir, 'db'), join(dir, 'src')], { stdio: 'ignore' });
      const { t } = await start();
      const { pane, stderr } = attachIn(t, { term: 'xterm-256color', env: { TERMINFO: join(dir, 'db') } });
      const screen = await pane.waitFor(ATTACHED);
      expect(screen).not.toMatch(TERMINFO_NOISE);
      pane.keys('q');
      await pane.waitFor(() => !pane.alive());
      expect(readFileSync(stderr, 'utf8')).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('PDBG_TUI_TRACE records key and render times for each step', async () => {
    const { t } = await start();
    const dir = mkdtempSync(join(tmpdir(), 'pdbg-trace-'));
    const trace = join(dir, 'trace');
    const { pane } = attachIn(t, { env: { PDBG_TUI_TRACE: trace } });
    await pane.waitFor(ATTACHED);
    for (let i = 0; i < 20; i++) {
      pane.keys('s');
      await pane.waitFor(() => existsSync(trace) && readFileSync(trace, 'utf8').trim().split('\n').length >= i + 1);
    }
    const rows = readFileSync(trace, 'utf8').trim().split('\n').map((l) => l.split(' ').map(Number));
    expect(rows).toHaveLength(20);
    for (const [k, r] of rows) expect(r! >= k!).toBe(true);
    const lat = rows.map(([k, r]) => r! - k!).sort((a, b) => a - b);
    process.stderr.write(`tui step key→render over 20 steps: p50 ${lat[10]!.toFixed(2)} ms, p95 ${lat[18]!.toFixed(2)} ms\n`);
    pane.keys('q');
    await pane.waitFor(() => !pane.alive());
    rmSync(dir, { recursive: true, force: true });
  });

  it('set REG=VALUE changes and marks the register; ? shows help; history recalls a command', async () => {
    const { t, counter } = await start();
    const { pane } = attachIn(t);
    await pane.waitFor(ATTACHED);
    pane.keys(':');
    pane.keys('set r12=0x1234abcd', true);
    pane.keys('Enter');
    let screen = await pane.waitFor((s) => screenReg(s, 'r12')?.value === 0x1234abcdn);
    expect(screenReg(screen, 'r12')?.changed).toBe(true);
    // Up recalls the last command into the line.
    pane.keys(':');
    pane.keys('Up');
    await pane.waitFor(/^\(pdbg\) set r12=0x1234abcd/m);
    pane.keys('Escape');
    // Wait for normal mode: ESC and `?` arriving together read as Meta-? (as in any terminal).
    await pane.waitFor(/press : for a command/);
    pane.keys('?');
    screen = await pane.waitFor(/any other key closes/);
    expect(screen).toMatch(/stepi \[N\]/);
    expect(screen).toMatch(/break (\[-p\] )?SYM/);
    pane.keys('Space');
    await pane.waitFor((s) => !/any other key closes/.test(s) && /registers/.test(s));
    pane.keys(':');
    pane.keys('set r12=0', true);
    pane.keys('Enter');
    await pane.waitFor((s) => screenReg(s, 'r12')?.value === 0n);
    pane.keys('q');
    await pane.waitFor(() => !pane.alive());
    await runsOn(t.pid, counter);
  });

  it('q leaves a target that was stopped when attached stopped, and untraced', async () => {
    const { t, counter } = await start();
    process.kill(t.pid, 'SIGSTOP');
    await waitState(t.pid, (s) => s === 'T');
    const { pane } = attachIn(t);
    await pane.waitFor(ATTACHED);
    pane.keys('q');
    await pane.waitFor(() => !pane.alive());
    expect(procState(t.pid)).toEqual({ state: 'T', tracerPid: 0 });
    const before = ticks(t.pid, counter);
    await new Promise((r) => setTimeout(r, 100));
    expect(ticks(t.pid, counter)).toBe(before);
    process.kill(t.pid, 'SIGCONT');
    await runsOn(t.pid, counter);
  });

  it("shows a jailed target's jail hostname", async () => {
    const jail = await makeJail('tuijail', 77, buildTarget('tuitarget'));
    try {
      let pid = 0;
      for (let i = 0; i < 100 && !pid; i++) {
        pid = jail.pids().find((p) => existsSync(`/proc/${p}/exe`) && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('tuitarget')) ?? 0;
        if (!pid) await new Promise((r) => setTimeout(r, 20));
      }
      expect(pid).toBeGreaterThan(0);
      const pane = startInTmux(['node', pdbgBin, 'attach', String(pid)]);
      const screen = await pane.waitFor(ATTACHED);
      expect(screen.split('\n')[0]).toMatch(new RegExp(`pid ${pid} .* jail tuijail `));
      pane.keys('q');
      await pane.waitFor(() => !pane.alive());
      expect(procState(pid).tracerPid).toBe(0);
    } finally {
      jail.destroy();
    }
  });

  it('an unknown pid is one error line, not a broken screen', async () => {
    const pane = startInTmux(['sh', '-c', `node ${pdbgBin} attach 999999999; echo "exit $?"; sleep 60`]);
    const screen = await pane.waitFor(/exit \d+/);
    expect(screen).toMatch(/^pdbg: .*999999999.*$/m);
    expect(screen).not.toMatch(/\n\s+at /);
  });
});

describe.skipIf(!tmuxOk || !liveOk('pdbg debug'))('pdbg debug -- CMD', () => {
  it('starts the program at its first instruction, runs it to a breakpoint, shows its output', async () => {
    const exe = buildTarget('tuitarget');
    const pane = startInTmux(['node', pdbgBin, 'debug', '--', exe]);
    let screen = await pane.waitFor(/exec: stopped at 0x[0-9a-f]+/);
    const pid = Number(/pid (\d+)/.exec(screen)![1]);
    try {
      // The first instruction is the dynamic linker's _start, decoded from its real start: no
      // `(bad)` from a wrong function start, no `_dl_catch_error+9968` from a sizeless lookup.
      screen = await pane.waitFor(/^>#0 /m);
      expect(screen).toMatch(/exec: stopped at 0x[0-9a-f]+ <_start> \(thread/);
      expect(screen).toMatch(/^disassembly\s+_start\b/m);
      expect(screen).not.toContain('(bad)');
      expect(screen).not.toContain('_dl_catch_error');
      pane.keys('b');
      pane.keys('tui_tick', true);
      pane.keys('Enter');
      await pane.waitFor(/breakpoint 1 at 0x[0-9a-f]+ <tui_tick>/);
      pane.keys('c');
      screen = await pane.waitFor(/breakpoint 1 at 0x[0-9a-f]+ <tui_tick> \(thread/);
      screen = await pane.waitFor(new RegExp(`> pid ${pid} ready`));
      expect(screen).toMatch(/#1 0x[0-9a-f]+ main\+\d+/);
      pane.keys('q');
      await pane.waitFor(() => !pane.alive());
      expect(procState(pid).tracerPid).toBe(0);
    } finally {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  });
});
