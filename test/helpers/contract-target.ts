import type { ContractTarget } from '../../src/procfs/contract.js';
import { startTracee } from './tracee.js';

/**
 * The contract suite's target: two threads spinning in user code (ctlthreads.c), started
 * through a shell so it is not this process's child.
 */
export async function startContractTarget(): Promise<ContractTarget> {
  const t = await startTracee('ctlthreads');
  await t.waitFor(/ready/);
  return {
    pid: t.pid,
    stop: async () => {
      t.kill();
      await t.exited();
    },
  };
}
