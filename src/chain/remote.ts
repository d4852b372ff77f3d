import { ProcfsError } from '../procfs/errors.js';
import type { ProcFs } from '../procfs/source.js';
import type { AgentLink } from './establish.js';

/**
 * The ProcFs a started agent serves, over its link. The protocol client is src/remote's
 * (branch i10r); this is the one place the chain hands its streams over.
 */
export async function remoteProcFs(link: AgentLink): Promise<ProcFs> {
  await link.close(0);
  throw new ProcfsError('ENOSYS', `via ${link.label}: the agent started, but this pdbg has no remote procfs client yet`);
}

/** False until the protocol client is merged: the chain's CLI tests wait for it. */
export const remoteClientReady: boolean = false;
