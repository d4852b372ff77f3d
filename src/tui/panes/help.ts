import type { Line, Span } from '../terminal.js';

export type Mode = 'normal' | 'command' | 'running' | 'popup' | 'confirm' | 'gone';

const BARS: Record<Mode, [string, string][]> = {
  normal: [['s/F7', 'step'], ['c/F5', 'cont'], ['b', 'break'], ['x', 'mem'], [':', 'cmd'], ['?', 'help'], ['q', 'quit']],
  command: [['Enter', 'run'], ['Esc', 'cancel'], ['Up/Down', 'history']],
  running: [['i/C-c', 'interrupt'], ['q', 'detach+quit']],
  popup: [['Up/Down PgUp/PgDn Home/End', 'scroll'], ['other keys', 'close']],
  confirm: [['y', 'yes'], ['other keys', 'no']],
  gone: [['q', 'quit']],
};

/**
 * The key bar for a mode: key names bold, then what they do. `logBelow`: the log is scrolled
 * back over so many newer lines; said first, so a narrow terminal never cuts it.
 */
export function formatHelpBar(mode: Mode, logBelow = 0): Line {
  const spans: Span[] = [];
  if (logBelow > 0 && mode !== 'popup') spans.push({ text: ` log: ${logBelow} newer line${logBelow === 1 ? '' : 's'} below, End/PgDn `, style: 'running' }, { text: '  ' });
  for (const [k, what] of BARS[mode]) spans.push({ text: k, style: 'key' }, { text: ` ${what}  ` });
  return spans;
}

/** The TUI's own keys, for `help` and `?`. */
export const KEY_HELP: readonly string[] = [
  'keys: s/F7 stepi   c/F5 continue   i/C-c interrupt (while running)   b break   d delete',
  '      x memory at   : or Enter command line   Up/Down history   ? help   q/C-c/F10 detach and quit',
  'log:  PgUp/PgDn a page back/on   Home/End oldest/newest (not while typing a command)   mouse wheel',
  'this help (and any long output): Up/Down a line   PgUp/PgDn a page   Home/End   wheel   other keys close',
  'kill asks first: y kills the target, any other key keeps it',
];
