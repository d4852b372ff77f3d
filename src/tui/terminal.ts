/**
 * What the TUI needs from a terminal library, and nothing more: named rectangles of styled
 * lines, keys, resizes, one render. blessed sits behind this (blessed-terminal.ts) because it has
 * been frozen since 2016; a fork or another library replaces one file.
 */

/** How a piece of text looks; the terminal maps each to colours it has. */
export type Style =
  | 'title'      // pane headings
  | 'current'    // the pc's line
  | 'breakpoint' // a breakpoint mark
  | 'changed'    // a register changed by the last stop
  | 'dim'        // secondary text (addresses, notes)
  | 'error'
  | 'running'    // the status while the target runs
  | 'key';       // key names in the help bar

export interface Span {
  readonly text: string;
  readonly style?: Style;
}

/** One screen line: plain text or styled spans. */
export type Line = string | readonly Span[];

export interface Region {
  readonly top: number;
  readonly left: number;
  readonly width: number;
  readonly height: number;
}

export interface KeyEvent {
  /** The printable character typed, if any. */
  readonly ch?: string;
  /**
   * `enter`, `escape`, `up`, `f5`, `c` …; with modifiers as `C-c`, `S-tab`; the mouse wheel as
   * `wheelup`/`wheeldown` (a wheel turn is a key to the panes: it scrolls what scrolls).
   */
  readonly full: string;
}

export interface Pane {
  /** Replaces the pane's lines (longer lines are cut at the pane's width). */
  setLines(lines: readonly Line[]): void;
  place(region: Region): void;
}

export interface Terminal {
  readonly cols: number;
  readonly rows: number;
  pane(name: string): Pane;
  onKey(fn: (key: KeyEvent) => void): void;
  /** The mouse wheel, as a `wheelup`/`wheeldown` key (a terminal without a mouse never calls it). */
  onWheel(fn: (key: KeyEvent) => void): void;
  onResize(fn: () => void): void;
  /** Called when the terminal goes away (input closed). */
  onClose(fn: () => void): void;
  /** Draws what changed since the last render. */
  render(): void;
  /** Restores the terminal (normal screen, cursor, cooked mode). Idempotent. */
  destroy(): void;
}

export function spanText(line: Line): string {
  return typeof line === 'string' ? line : line.map((s) => s.text).join('');
}
