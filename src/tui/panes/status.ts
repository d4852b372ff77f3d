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
}

/** Two lines: who and in what state, then why it stopped. */
export function formatStatus(s: StatusInfo): Line[] {
  const state: Span = { text: ` ${s.state} `, style: s.state === 'running' ? 'running' : s.state === 'stopped' ? 'current' : 'error' };
  return [
    [
      { text: 'pdbg ', style: 'key' },
      { text: `${s.command}  pid ${s.pid}  ` },
      state,
      { text: `  jail ${s.jail}  thread ${s.thread}` },
    ],
    [{ text: s.state === 'running' ? 'running: i or Ctrl-C interrupts' : s.why }],
  ];
}
