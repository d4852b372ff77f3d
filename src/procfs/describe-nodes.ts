/**
 * Describing processes through their nodes: what any ProcFs can do when it has no bulk
 * describer (SourceCapabilities.describer). In the model, not the inventory, because the remote
 * agent answers a listing request with it too when the source it serves has no describer.
 */
import { splitCmdline } from './cmdline.js';
import { ParseError, ProcfsError } from './errors.js';
import { parseJailNode } from './jail-node.js';
import type { EntryErrorHandler, ListWants, ProcessInfo } from './process-info.js';
import type { ProcFs } from './source.js';
import { parseStatusBytes } from './status.js';

/** The status node of each pid, and the jail and cmdline nodes when asked; state unknown (null). */
export async function describeThroughNodes(fs: ProcFs, pids: readonly number[], want: ListWants, onError?: EntryErrorHandler): Promise<ProcessInfo[]> {
  const out: ProcessInfo[] = [];
  for (const pid of pids) {
    try {
      const status = parseStatusBytes(await fs.read(pid, 'status'));
      let jid: number | null = status.jail === null ? 0 : null;
      if (want.jid && jid === null) {
        try {
          jid = parseJailNode((await fs.read(pid, 'jail')).toString('utf8')).jid;
        } catch (err) {
          if (!(err instanceof ProcfsError) || err.code === 'ESRCH') throw err;
        }
      }
      const args = want.args ? splitCmdline(await fs.read(pid, 'cmdline')) : null;
      out.push({ pid, status, jid, state: null, args });
    } catch (err) {
      if (err instanceof ProcfsError && err.code === 'ESRCH') continue;
      if (onError && (err instanceof ProcfsError || err instanceof ParseError)) {
        onError(err, pid);
        continue;
      }
      throw err;
    }
  }
  return out;
}
