import { displayText } from '../../procfs/escape.js';
import type { Line, Span } from '../terminal.js';

export interface StatusInfo {
  /** The target's command name. */
  readonly command: string;
  readonly pid: number;
  /** `stopped`, `running`, `exited`, `detached`. */
  readonly state: string;
  /** The jail's hostname, `-` when not jailed. */
  readonly jail: string;
  readonly thread: number;
  /** Why it stopped: `breakpoint 1 at 0x… <tui_tick>`, `signal segv at …`, `exited with code 3`. */
  readonly why: string;
  /** The selected frame when it is not the innermost: `#1 main+27`. */
  readonly frame?: string;
}

/**
 * Two lines: who and in what state, then why it stopped. The command (argv[0]), the jail's
 * hostname and the symbol names in `why` come from the target: a newline would break the pane
 * and blessed passes colour escapes on, so unsafe characters are shown as `?`.
 */
export function formatStatus(s: StatusInfo): Line[] {
  const state: Span = { text: ` ${s.state} `, style: s.state === 'running' ? 'running' : s.state === 'stopped' ? 'current' : 'error' };
  return [
    [
      { text: 'pdbg ', style: 'key' },
      { text: `${displayText(s.command)}  pid ${s.pid}  ` },
      state,
      { text: `  jail ${displayText(s.jail)}  thread ${s.thread}` },
    ],
    [{ text: s.state === 'running' ? 'running: i or Ctrl-C interrupts' : `${displayText(s.why)}${s.frame ? `  [frame ${displayText(s.frame)}]` : ''}` }],
  ];
}
