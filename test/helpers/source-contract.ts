import { it } from 'vitest';
import { readOnlyChecks } from '../../src/procfs/contract.js';
import type { ProcFs } from '../../src/procfs/source.js';

/**
 * The read-only half of the contract suite (src/procfs/contract.ts) as vitest tests, for the
 * suites that already have a source and a pid at hand. `get` is called inside each test so the
 * source can be made in a beforeAll.
 */
export function sourceContract(get: () => ProcFs, opts: { writable: boolean; somePid: () => number }): void {
  for (const c of readOnlyChecks({ source: get, somePid: opts.somePid, writable: opts.writable })) it(c.name, c.run);
}
