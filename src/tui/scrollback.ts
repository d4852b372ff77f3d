/**
 * Lines a pane shows a window of (the log, a popup), and where that window is. Kept apart from
 * any terminal: lines in, a window of them out. The window is counted from the newest line, so
 * a log that follows its output stays at 0 and one scrolled back stays on the same lines while
 * output arrives, as a terminal's scrollback does.
 */
import type { Line } from './terminal.js';

export class Scrollback {
  private lines: Line[] = [];
  /** Lines between the window's last row and the newest line: 0 = following the output. */
  private back = 0;

  /** `max`: the oldest lines go beyond it (a log that runs for hours stays bounded). */
  constructor(private readonly max = Infinity) {}

  get length(): number {
    return this.lines.length;
  }

  /** How many lines lie below the window (0: the newest line is shown). */
  get below(): number {
    return this.back;
  }

  push(line: Line): void {
    this.lines.push(line);
    if (this.back > 0) this.back++;
    if (this.lines.length > this.max) {
      // Trimming in batches keeps a busy log from shifting the array at every line.
      const drop = Math.max(1, Math.floor(this.max / 10));
      this.lines.splice(0, drop);
      this.back = Math.min(this.back, this.lines.length);
    }
  }

  /** Replaces the lines, window at the top (a popup opens on its first page). */
  reset(lines: readonly Line[], height: number): void {
    this.lines = lines.slice(-this.max);
    this.back = Math.max(0, this.lines.length - height);
  }

  /** Moves the window `delta` rows towards older lines (negative: newer), within the lines. */
  scroll(delta: number, height: number): void {
    this.back = Math.max(0, Math.min(this.top(height), this.back + delta));
  }

  home(height: number): void {
    this.back = this.top(height);
  }

  end(): void {
    this.back = 0;
  }

  /** The rows the window shows, `height` at most. */
  window(height: number): Line[] {
    this.back = Math.min(this.back, this.top(height));
    const last = this.lines.length - this.back;
    return this.lines.slice(Math.max(0, last - height), last);
  }

  /** 1-based first and last row shown, for `lines 1-28 of 60`. */
  range(height: number): { first: number; last: number } {
    const last = this.lines.length - Math.min(this.back, this.top(height));
    return { first: Math.max(1, last - height + 1), last };
  }

  /** The largest `back`: the window on the oldest lines. */
  private top(height: number): number {
    return Math.max(0, this.lines.length - Math.max(1, height));
  }
}
