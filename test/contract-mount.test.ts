/**
 * The whole contract (src/procfs/contract.ts) through `pdbg mount`: the mounted tree source
 * (src/procfs/sources/mounted-tree.ts) reading and writing the files a real FUSE mount serves,
 * the mount being its own process as it must be. Same checks, same errnos and why lines as the
 * live source gives directly.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { controlChecks, readOnlyChecks } from '../src/procfs/contract.js';
import type { ProcFs } from '../src/procfs/source.js';
import { openProcFs } from '../src/procfs/sources/open.js';
import { mountOk, startMount, type RunningMount } from './helpers/pdbg-mount.js';
import { startContractTarget } from './helpers/contract-target.js';
import { killAllTracees } from './helpers/tracee.js';

describe.skipIf(!mountOk('contract: the mounted tree'))('contract: the mounted tree', () => {
  let mount: RunningMount;
  let fs: ProcFs;
  beforeAll(async () => {
    mount = await startMount();
    fs = await openProcFs(mount.dir);
  }, 60_000);
  afterAll(async () => {
    killAllTracees();
    await fs?.close();
    await mount?.stop();
  });
  for (const c of readOnlyChecks({ source: () => fs, somePid: () => process.pid, writable: true })) it(c.name, c.run);
  for (const c of controlChecks({ source: () => fs, start: startContractTarget })) it(c.name, c.run, 20_000);
});
