import { defineConfig } from 'vitest/config';

/**
 * Two projects over the same files. `unit` sets PDBG_TESTS=unit, so every live suite skips with
 * that reason (test/helpers/root.ts): what is left needs no root and no traced process and runs
 * in well under a minute (`npm run test:unit`). `live` is the whole suite (`npm test`, as root).
 */
const base = {
  include: ['test/**/*.test.ts'],
  // One reaper for every file: whatever a test started and did not end is ended after it.
  setupFiles: ['test/helpers/setup.ts'],
  // Live tests trace real processes and make real jails; two cores, so keep files in one fork
  // at a time per worker and give ptrace round trips room.
  testTimeout: 30_000,
  hookTimeout: 60_000,
  pool: 'forks' as const,
  maxWorkers: 2,
};

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      { test: { ...base, name: 'unit', env: { PDBG_TESTS: 'unit' } } },
      { test: { ...base, name: 'live' } },
    ],
  },
});
