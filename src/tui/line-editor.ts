/**
 * The command line's editing and history, apart from any terminal: keys in, text and cursor
 * out. Up/Down walk the history (the line being typed is kept), Enter returns the line.
 */
import type { KeyEvent } from './terminal.js';

export type EditResult = { readonly kind: 'edit' } | { readonly kind: 'submit'; readonly line: string } | { readonly kind: 'cancel' };

export class LineEditor {
  text = '';
  cursor = 0;
  private readonly history: string[] = [];
  /** Index into history while browsing; history.length = the line being typed. */
  private browse = 0;
  private draft = '';

  constructor(private readonly maxHistory = 500) {}

  /** Starts a new line, optionally with text in it (`break `). */
  start(initial = ''): void {
    this.text = initial;
    this.cursor = initial.length;
    this.browse = this.history.length;
    this.draft = '';
  }

  entries(): readonly string[] {
    return this.history;
  }

  key(k: KeyEvent): EditResult {
    switch (k.full) {
      case 'enter': {
        const line = this.text;
        if (line.trim() && this.history[this.history.length - 1] !== line) {
          this.history.push(line);
          if (this.history.length > this.maxHistory) this.history.shift();
        }
        this.start();
        return { kind: 'submit', line };
      }
      case 'escape':
      case 'C-g':
        this.start();
        return { kind: 'cancel' };
      case 'backspace':
      case 'C-h':
        if (this.cursor > 0) {
          this.text = this.text.slice(0, this.cursor - 1) + this.text.slice(this.cursor);
          this.cursor--;
        }
        return { kind: 'edit' };
      case 'delete':
      case 'C-d':
        this.text = this.text.slice(0, this.cursor) + this.text.slice(this.cursor + 1);
        return { kind: 'edit' };
      case 'left':
      case 'C-b':
        this.cursor = Math.max(0, this.cursor - 1);
        return { kind: 'edit' };
      case 'right':
      case 'C-f':
        this.cursor = Math.min(this.text.length, this.cursor + 1);
        return { kind: 'edit' };
      case 'home':
      case 'C-a':
        this.cursor = 0;
        return { kind: 'edit' };
      case 'end':
      case 'C-e':
        this.cursor = this.text.length;
        return { kind: 'edit' };
      case 'C-u':
        this.text = this.text.slice(this.cursor);
        this.cursor = 0;
        return { kind: 'edit' };
      case 'up':
      case 'C-p':
        if (this.browse > 0) {
          if (this.browse === this.history.length) this.draft = this.text;
          this.browse--;
          this.set(this.history[this.browse]!);
        }
        return { kind: 'edit' };
      case 'down':
      case 'C-n':
        if (this.browse < this.history.length) {
          this.browse++;
          this.set(this.browse === this.history.length ? this.draft : this.history[this.browse]!);
        }
        return { kind: 'edit' };
    }
    if (k.ch !== undefined) {
      this.text = this.text.slice(0, this.cursor) + k.ch + this.text.slice(this.cursor);
      this.cursor += k.ch.length;
    }
    return { kind: 'edit' };
  }

  private set(text: string): void {
    this.text = text;
    this.cursor = text.length;
  }
}
