import { describe, expect, it } from 'vitest';
import { ptrace, signal, wait } from '../native/index.js';
import { ProcfsError } from '../src/procfs/errors.js';
import { liveOk } from './helpers/root.js';

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
        expect(e).toBeInstanceOf(ProcfsError);
        expect((e as ProcfsError).code).toBe('ESRCH');
      }
    }
    expect(wait.pollTid(gone, false)).toBe(wait.GONE);
  });
  it('a too-small register buffer is refused before the kernel sees it', () => {
    expect(() => ptrace.getRegs(1, Buffer.alloc(8))).toThrow(RangeError);
  });
});
