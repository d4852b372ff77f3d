import type { ProcFs } from '../procfs/source.js';
import type { RemoteProcFs } from '../remote/remote-procfs.js';
import type { AgentLink } from './establish.js';

/**
 * The ProcFs a started agent serves over its link (src/remote's client). When the chain ends
 * under it (a killed ssh, a far side gone), every pending and later request fails with the
 * chain's own last word on stderr, e.g. ssh's `Connection closed by …`.
 */
export async function remoteProcFs(link: AgentLink): Promise<ProcFs> {
  const { RemoteProcFs: Client } = await import('../remote/remote-procfs.js');
  let remote: RemoteProcFs;
  try {
    const connecting = Client.connect(link.output, link.input, { name: link.label });
    // The link is paused past the ready line (see establish.ts): the client listens now.
    link.output.resume();
    remote = await connecting;
  } catch (err) {
    link.child.kill('SIGTERM');
    throw err;
  }
  link.child.once('exit', (code, signal) => {
    const said = link.stderrTail().trim().split('\n').pop()?.trim();
    remote.lose(`via ${link.label}: ${said || (signal ? `the chain was killed by ${signal}` : `the chain exited with status ${code}`)}`);
  });
  // The chain must not keep pdbg alive once the source is closed (closing ends its stdin).
  link.child.unref();
  return remote;
}

/** True now that the protocol client is merged: the chain's CLI tests run. */
export const remoteClientReady: boolean = true;
