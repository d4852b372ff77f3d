import { parseSignal, type Signal } from './signals.js';

/**
 * `note` and `notepg` (spec §6). BSD declared them and never implemented them (every write
 * EOPNOTSUPP); pdbg gives them Plan 9's meaning: the written signal name goes to the process
 * (`note`, kill(2)) or to every process of ITS process group (`notepg`, killpg(2) on the
 * writer-named pid's pgid, as BSD files notepg under the process). This is the format; the
 * delivery is the live source's (sources/linux/note.ts).
 */
export type NoteNode = 'note' | 'notepg';

export interface NoteDelivery {
  readonly node: NoteNode;
  readonly signal: Signal;
  /** The pid (note) or process-group id (notepg) that was signalled. */
  readonly target: number;
}

/** The signal of a note write: BSD words, plus pdbg's SIG prefix, any case and numbers. */
export function parseNote(data: string | Uint8Array, strict = false): Signal {
  const text = typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
  return parseSignal(strict ? text : text.trim(), strict);
}
