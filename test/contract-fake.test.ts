import { describe, it } from 'vitest';
import { controlChecks, readOnlyChecks } from '../src/procfs/contract.js';
import { FakeProcFs } from '../src/procfs/sources/fake.js';
import { spinner } from '../src/procfs/sources/fake/programs.js';

// The fake passes the same contract as the live source: no root, no process.
describe('contract: the fake source', () => {
  const fs = new FakeProcFs();
  const resident = fs.add(spinner(500));
  for (const c of readOnlyChecks({ source: () => fs, somePid: () => resident, writable: true })) it(c.name, c.run);
  const start = async () => {
    const pid = fs.add(spinner());
    return { pid, stop: async () => fs.remove(pid) };
  };
  for (const c of controlChecks({ source: () => fs, start })) it(c.name, c.run);
});
