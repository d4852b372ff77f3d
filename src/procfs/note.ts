import { signal as native } from '../../native/index.js';
import { ProcfsError } from './errors.js';
import { parseSignal, type Signal } from './signals.js';

/**
 * `note` and `notepg` (spec §6). BSD declared them and never implemented them (every write
 * EOPNOTSUPP); pdbg gives them Plan 9's meaning: the written signal name goes to the process
 * (`note`, kill(2)) or to every process of ITS process group (`notepg`, killpg(2) on the
 * writer-named pid's pgid, as BSD files notepg under the process).
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

export function deliverNote(pid: number, node: NoteNode, data: string | Uint8Array): NoteDelivery {
  let signal: Signal;
  try {
    signal = parseNote(data);
  } catch (e) {
    throw e instanceof ProcfsError ? new ProcfsError(e.code, `${pid}/${node}: ${e.message}`, pid, node) : e;
  }
  try {
    if (node === 'note') {
      native.kill(pid, signal.number);
      return { node, signal, target: pid };
    }
    const pgid = native.getpgid(pid);
    native.killpg(pgid, signal.number);
    return { node, signal, target: pgid };
  } catch (e) {
    if (e instanceof ProcfsError) {
      const msg = e.code === 'ESRCH' ? `no process ${pid}` : e.code === 'EPERM' ? `${pid}/${node}: permission denied` : `${pid}/${node}: ${e.message}`;
      throw new ProcfsError(e.code, msg, pid, node);
    }
    throw e;
  }
}
