/** `note` and `notepg` writes on Linux: kill(2) or killpg(2) of the written signal (note.ts in the model says what they mean). */
import { ProcfsError } from '../../errors.js';
import { parseNote, type NoteDelivery, type NoteNode } from '../../note.js';
import type { Signal } from '../../signals.js';
import { S as native } from './native.js';

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
