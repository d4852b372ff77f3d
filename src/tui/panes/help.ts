import type { Line, Span } from '../terminal.js';

export type Mode = 'normal' | 'command' | 'running' | 'popup' | 'gone';

const BARS: Record<Mode, [string, string][]> = {
  normal: [['s/F7', 'step'], ['c/F5', 'cont'], ['b', 'break'], ['x', 'mem'], [':', 'cmd'], ['?', 'help'], ['q', 'quit']],
  command: [['Enter', 'run'], ['Esc', 'cancel'], ['Up/Down', 'history']],
  running: [['i/C-c', 'interrupt'], ['q', 'detach+quit']],
  popup: [['any key', 'close']],
  gone: [['q', 'quit']],
};

/** The key bar for a mode: key names bold, then what they do. */
export function formatHelpBar(mode: Mode): Line {
  const spans: Span[] = [];
  for (const [k, what] of BARS[mode]) spans.push({ text: k, style: 'key' }, { text: ` ${what}  ` });
  return spans;
}

/** The TUI's own keys, for `help` and `?`. */
export const KEY_HELP: readonly string[] = [
  'keys: s/F7 stepi   c/F5 continue   i/C-c interrupt (while running)   b break   d delete',
  '      x memory at   : or Enter command line   Up/Down history   ? help   q/C-c/F10 detach and quit',
];
