import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LinuxProcFs } from '../src/procfs/sources/linux/index.js';
import { TreeProcFs } from '../src/procfs/sources/tree.js';
import { targetInfo } from '../src/tui/target-info.js';
import { repoRoot } from './helpers/targets.js';

/** The TUI's status line facts come through the seam: the stopped flag from the source's describer, not a read of /proc. */
describe('targetInfo', () => {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  afterAll(() => {
    child.kill('SIGKILL');
  });

  const state = () => {
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'latin1');
    return stat[stat.lastIndexOf(')') + 2];
  };

  it('says a job-control-stopped live process is stopped, and a running one is not', async () => {
    const fs = new LinuxProcFs();
    const pid = child.pid!;
    for (let i = 0; i < 100 && state() !== 'S'; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await targetInfo(fs, pid)).toMatchObject({ command: 'sleep', stopped: false });
    process.kill(pid, 'SIGSTOP');
    for (let i = 0; i < 100 && state() !== 'T'; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await targetInfo(fs, pid)).toMatchObject({ command: 'sleep', jail: '-', stopped: true });
    process.kill(pid, 'SIGCONT');
    await fs.close();
  });

  it('never says a process of a tree is stopped', async () => {
    const tree = TreeProcFs.open(join(repoRoot, 'fixtures/proc-snapshots/freebsd'));
    const [pid] = await tree.pids();
    expect((await targetInfo(tree, pid!)).stopped).toBe(false);
  });
});
