import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NativeError, ptrace, signal, wait } from '../native/index.js';
import { ProcfsError } from '../src/procfs/errors.js';
import { P, S } from '../src/procfs/sources/linux/native.js';
import { liveOk } from './helpers/root.js';
import { repoRoot } from './helpers/targets.js';

describe('wait status decoding', () => {
  it('decodes exit, kill and ptrace-event stops', () => {
    expect(wait.WIFEXITED(3 << 8) && wait.WEXITSTATUS(3 << 8)).toBe(3);
    expect(wait.WIFSIGNALED(9) && wait.WTERMSIG(9)).toBe(9);
    const st = (128 << 16) | (5 << 8) | 0x7f;
    expect([wait.WIFSTOPPED(st), wait.WSTOPSIG(st), wait.WPTRACEEVENT(st)]).toEqual([true, 5, 128]);
  });
});

describe.skipIf(!liveOk('native errno'))('errno becomes typed errors', () => {
  it('ESRCH for a pid that does not exist', () => {
    const gone = 2 ** 22 + 999;
    for (const f of [() => ptrace.seize(gone, 0), () => ptrace.getRegs(gone, Buffer.alloc(216)), () => signal.kill(gone, 0)]) {
      try {
        f();
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(NativeError);
        expect((e as NativeError).code).toBe('ESRCH');
        expect((e as NativeError).errno).toBe(3);
      }
    }
    expect(wait.pollTid(gone, false)).toBe(wait.GONE);
  });

  it('the Linux source sees the same failures as ProcfsErrors (native/ knows nothing of src/)', () => {
    const gone = 2 ** 22 + 999;
    for (const f of [() => P.seize(gone, 0), () => P.getRegs(gone, Buffer.alloc(216)), () => S.kill(gone, 0)]) {
      try {
        f();
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(ProcfsError);
        expect((e as ProcfsError).code).toBe('ESRCH');
        expect((e as ProcfsError).pid).toBe(gone);
      }
    }
  });
  it('a too-small register buffer is refused before the kernel sees it', () => {
    expect(() => ptrace.getRegs(1, Buffer.alloc(8))).toThrow(RangeError);
  });
});

describe('exit while a worker waits for tracees', () => {
  it('the process still exits, with its code, though the parked waitid would never return', () => {
    // A pool thread parked in waitid(P_ALL) is woken only by a child's change of state; Node's
    // exit joins the pool. The sleeper is such a child that will not change state for 600 s.
    const script = `
      import { spawn } from 'node:child_process';
      import { wait } from ${JSON.stringify(pathToFileURL(join(repoRoot, 'dist/native/index.js')).href)};
      const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
      process.stdout.write(sleeper.pid + '\\n');
      wait.waitAnyAsync();
      setTimeout(() => process.exit(3), 200);
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    try {
      process.kill(Number(r.stdout.trim()), 'SIGKILL');
    } catch {
      /* gone */
    }
    expect(r.signal).toBeNull(); // not killed by the timeout: it exited by itself
    expect(r.status).toBe(3);
  });
});
