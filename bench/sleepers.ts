import { readFileSync } from 'node:fs';
import { killGroup, startTracked } from './procs.js';

/**
 * The listing row's crowd: one shell, in a process group of its own, forks `count` `sleep 600`
 * children and waits. The group is killed whole afterwards, so nothing outlives the row.
 */
export async function withSleepers<T>(count: number, fn: () => Promise<T>): Promise<T> {
  const script = `i=0; while [ $i -lt ${count} ]; do sleep 600 & i=$((i+1)); done; echo ready; wait`;
  const sh = startTracked('sh', ['-c', script], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`sleepers: not ready after 60 s`)), 60_000);
      sh.stdout!.on('data', (d: Buffer) => {
        if (d.toString().includes('ready')) {
          clearTimeout(timer);
          res();
        }
      });
      sh.on('exit', (code) => rej(new Error(`sleepers: shell exited ${code}`)));
    });
    // `ready` is printed after the last fork; wait until every child shows up as a process.
    for (let i = 0; i < 500 && childCount(sh.pid!) < count; i++) await new Promise((r) => setTimeout(r, 10));
    return await fn();
  } finally {
    killGroup(sh.pid!);
    if (sh.exitCode === null && sh.signalCode === null) await new Promise((res) => sh.once('exit', res));
  }
}

function childCount(pid: number): number {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).length;
  } catch {
    return 0;
  }
}
