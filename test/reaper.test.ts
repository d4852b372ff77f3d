import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { liveOk } from './helpers/root.js';
import { repoRoot } from './helpers/targets.js';

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));

/**
 * A test file that starts processes and forgets them leaves nothing behind: the main config's
 * setup file reaps everything registered after each file (a vitest run of a fixture file that
 * leaks a target and a tracee on purpose).
 */
describe.skipIf(!liveOk('reaper'))('the one reaper', () => {
  it('ends what a test file started and did not end', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pdbg-reaper-'));
    try {
      const leak = join(dir, 'pids');
      const r = spawnSync('npx', ['vitest', 'run', '--config', 'test/reaper-fixture/vitest.config.ts'], {
        cwd: repoRoot,
        env: { ...process.env, PDBG_LEAK_FILE: leak },
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(r.status, r.stdout + r.stderr).toBe(0);
      const pids = readFileSync(leak, 'utf8').trim().split(' ').map(Number);
      expect(pids).toHaveLength(2);
      expect(pids.filter(alive)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
