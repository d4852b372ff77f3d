import type { ProcFs } from '../procfs/source.js';
import { ProcfsError } from '../procfs/errors.js';
import type { RemoteProcFs } from '../remote/remote-procfs.js';
import { exitText, type AgentLink } from './establish.js';

/** How long a lost stream waits for the chain's exit status, the better news. */
const EXIT_GRACE_MS = 2_000;

const delay = (ms: number): Promise<undefined> => new Promise((r) => setTimeout(() => r(undefined), ms).unref());

function lastWord(link: AgentLink): string {
  return link.stderrTail().trim().split('\n').pop()?.trim() ?? '';
}

/**
 * The ProcFs a started agent serves over its link (src/remote's client). When the chain ends
 * under it (a killed ssh, a far side gone), every pending and later request fails with the
 * chain's own last word on stderr, e.g. ssh's `Connection closed by …`. Any fatal error (a
 * malformed frame, a deadline passed, the chain's end) tears the whole chain down, so pdbg exits
 * with its one line instead of living as long as a far side that stopped making sense.
 */
export async function remoteProcFs(link: AgentLink): Promise<ProcFs> {
  const { RemoteProcFs: Client, STREAM_CLOSED } = await import('../remote/remote-procfs.js');
  const { handshakeMs, requestMs } = link.limits;
  const connecting = Client.connect(link.output, link.input, {
    name: link.label,
    ...(handshakeMs !== undefined && { helloTimeoutMs: handshakeMs }),
    ...(requestMs !== undefined && { requestTimeoutMs: requestMs }),
    limitHint: 'PDBG_VIA_TIMEOUT sets the limit',
    onLost: () => link.kill(),
  });
  // A far side that said it was ready and then ended: its exit is the news, not a missing hello.
  const endedFirst = link.exited.then((exit) => {
    throw new ProcfsError('EIO', `via ${link.label}: ${lastWord(link) || `the chain ended (${exitText(exit)}) after the agent said it was ready, before its hello`}`);
  });
  // The link is paused past the ready line (see establish.ts): the client listens now.
  link.output.resume();
  let remote: RemoteProcFs;
  try {
    remote = await Promise.race([connecting, endedFirst]);
  } catch (err) {
    connecting.catch(() => undefined);
    // The stream's end can reach us before the process's exit does: when the far side closed it,
    // give the exit a moment, as it says why (a loaded machine showed the bare "lost" line). Not
    // for a protocol error: then the kill is ours, and the protocol line is the news.
    const streamGone = err instanceof ProcfsError && err.message === `connection to the agent lost: ${STREAM_CLOSED}`;
    const better = streamGone ? await Promise.race([endedFirst.then(() => undefined, (e: unknown) => e), delay(EXIT_GRACE_MS)]) : undefined;
    link.kill();
    throw better ?? err;
  }
  endedFirst.catch(() => undefined);
  void link.exited.then((exit) => {
    const said = lastWord(link);
    remote.lose(`via ${link.label}: ${said || (exit[1] ? `the chain was killed by ${exit[1]}` : `the chain exited with status ${exit[0]}`)}`);
  });
  // The chain must not keep pdbg alive once the source is closed (closing ends its stdin).
  link.child.unref();
  return remote;
}

/** True now that the protocol client is merged: the chain's CLI tests run. */
export const remoteClientReady: boolean = true;
