/**
 * The TUI's logic over the fake source and an in-memory terminal: no root, no tmux, no process.
 * Keys go in, panes come out: the stop, the registers, a breakpoint planted and hit, `q` leaving
 * the fake target untraced with its original bytes.
 */
import { describe, expect, it } from 'vitest';
import { Session } from '../src/engine/session.js';
import { FakeProcFs } from '../src/procfs/sources/fake.js';
import { CODE, spinner } from '../src/procfs/sources/fake/programs.js';
import { runTui } from '../src/tui/app.js';
import { spanText, type KeyEvent, type Line, type Pane, type Region, type Terminal } from '../src/tui/terminal.js';

/** A terminal that keeps each pane's lines and lets the test type keys. */
class MemoryTerminal implements Terminal {
  readonly cols = 100;
  readonly rows = 30;
  readonly panes = new Map<string, string[]>();
  private keys: ((k: KeyEvent) => void)[] = [];
  private closers: (() => void)[] = [];
  renders = 0;
  pane(name: string): Pane {
    return {
      setLines: (lines: readonly Line[]) => void this.panes.set(name, lines.map(spanText)),
      place: (_r: Region) => undefined,
    };
  }
  onKey(fn: (key: KeyEvent) => void): void {
    this.keys.push(fn);
  }
  onWheel(): void {}
  onResize(): void {}
  onClose(fn: () => void): void {
    this.closers.push(fn);
  }
  render(): void {
    this.renders++;
  }
  destroy(): void {}
  type(text: string): void {
    for (const ch of text) for (const k of this.keys) k(ch === '\r' ? { full: 'enter' } : { ch, full: ch });
  }
  text(name: string): string {
    return (this.panes.get(name) ?? []).join('\n');
  }
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('the TUI on the fake source', () => {
  it('shows the stop and the registers, plants and hits a breakpoint from the command line, and q releases', async () => {
    const fs = new FakeProcFs();
    const pid = fs.add(spinner());
    const s = await Session.attach(fs, pid);
    const term = new MemoryTerminal();
    const done = runTui(s, { terminal: term, command: 'spinner', jail: '-' });
    await until(() => /rip\s+0x0*401000/.test(term.text('regs')));
    expect(term.text('status')).toMatch(new RegExp(`spinner  pid ${pid}`));
    term.type(`:break 0x${(CODE + 2n).toString(16)}\r`);
    await until(() => fs.peek(pid, CODE + 2n, 1)[0] === 0xcc);
    term.type('c');
    await until(() => /breakpoint 1 at 0x401002/.test(term.text('status')));
    expect(term.text('regs')).toMatch(/rip\s+0x0*401002/);
    term.type('q');
    await done;
    expect(fs.peek(pid, CODE + 2n, 1)[0]).toBe(0x90);
    expect(fs.stateOf(pid)).not.toBe('traced');
  });
});
