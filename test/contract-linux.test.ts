import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { controlChecks, readOnlyChecks } from '../src/procfs/contract.js';
import { LinuxProcFs } from '../src/procfs/sources/linux/index.js';
import { TreeProcFs } from '../src/procfs/sources/tree.js';
import { liveOk } from './helpers/root.js';
import { repoRoot } from './helpers/targets.js';
import { startContractTarget } from './helpers/contract-target.js';
import { killAllTracees } from './helpers/tracee.js';

// The live source against the whole contract: two spinning threads per check (ctlthreads.c),
// started through a shell so they are not this process's children.
describe.skipIf(!liveOk('contract: the live source'))('contract: the live source', () => {
  const fs = new LinuxProcFs();
  afterAll(async () => {
    killAllTracees();
    await fs.close();
  });
  for (const c of readOnlyChecks({ source: () => fs, somePid: () => process.pid, writable: true })) it(c.name, c.run);
  for (const c of controlChecks({ source: () => fs, start: startContractTarget })) it(c.name, c.run, 20_000);
});

// A tree serves the read-only half only: it controls nothing.
const linuxFixture = join(repoRoot, 'fixtures/proc-snapshots/linux');
describe.skipIf(!existsSync(linuxFixture))('contract: a snapshot tree (read-only checks)', () => {
  const fs = TreeProcFs.open(linuxFixture);
  let pid = 1;
  it('has a process with an argv to read', async () => {
    for (const p of await fs.pids()) {
      // Kernel threads have an empty cmdline: the read-only checks want a program's.
      if ((await fs.read(p, 'cmdline')).length > 0) {
        pid = p;
        return;
      }
    }
    throw new Error('no process with a cmdline in the fixture');
  });
  for (const c of readOnlyChecks({ source: () => fs, somePid: () => pid, writable: false })) it(c.name, c.run);
});
