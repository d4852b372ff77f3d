import type { StopEvent } from '../engine/events.js';

/**
 * What a debugger command returns. Apart from commands.ts so that the commands defined in their
 * own files (print, info, disassemble) return it without importing the table that lists them.
 */
export interface CommandOutput {
  /** What a person reads, one entry a line. */
  readonly lines: string[];
  /** The same result for `--json` (bigints print as 0x…). */
  readonly data: unknown;
  /** The stop or exit this command caused, when it ran the target. */
  readonly stop?: StopEvent;
}
