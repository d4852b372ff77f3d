/**
 * A script is gdb's batch mode (issue 18 §3): `break NAME` for a name no loaded module defines
 * is an error with the close names, not a pending breakpoint that makes `continue` wait for ever;
 * `break -p` and `set breakpoint pending on` ask for pending; the TUI's command line keeps
 * pending (said so). The target is left as found after the error.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { isCleanError, pdbg } from './helpers/cli.js';
import { liveOk } from './helpers/root.js';
import { killAll, procState, rawMem, startTarget } from './helpers/targets.js';

afterAll(killAll);

describe.runIf(liveOk('batch-break'))('break on an unknown name in a script', () => {
  it('is gdb\'s "Function … not defined." with the close name, one line, and the target runs on', async () => {
    const t = startTarget('breakme', ['1000000']);
    const r = pdbg(['script', String(t.pid), '-'], { input: 'break target_fm\ncontinue\n', timeout: 20_000 });
    expect(isCleanError(r)).toBe(true);
    expect(r.stderr).toBe(`pdbg: script line 1 (break target_fm): Function "target_fm" not defined. Did you mean target_fn? (break -p target_fm waits for a library that defines it)\n`);
    expect(r.stdout).not.toContain('(pdbg) continue');
    const st = procState(t.pid);
    expect(st.tracerPid).toBe(0);
    expect(st.state).not.toBe('T');
  });

  it('break -p and set breakpoint pending on make it pending, as asked', () => {
    const t = startTarget('breakme', ['1000000']);
    const a = pdbg(['script', String(t.pid), '-'], { input: 'break -p target_fm\n' });
    expect(a.stderr).toBe('');
    expect(a.stdout).toMatch(/^breakpoint 1 \(target_fm\) pending: no loaded module defines it/m);
    const b = pdbg(['script', String(t.pid), '-'], { input: 'set breakpoint pending on\nbreak target_fm\nset breakpoint pending off\nbreak target_fx\n' });
    expect(b.stdout).toMatch(/^breakpoint 1 \(target_fm\) pending/m);
    expect(b.stderr).toMatch(/^pdbg: script line 4 \(break target_fx\): Function "target_fx" not defined\. Did you mean target_fn\?/);
    expect(procState(t.pid).tracerPid).toBe(0);
  });

  it('a known name still plants, and its byte is back after the script', () => {
    const t = startTarget('breakme', ['1000000']);
    const r = pdbg(['script', String(t.pid), '-'], { input: 'break target_fn\n' });
    expect(r.status).toBe(0);
    const addr = BigInt(/^breakpoint 1 at (0x[0-9a-f]+) <target_fn>$/m.exec(r.stdout)![1]!);
    expect(rawMem(t.pid, addr, 1)[0]).not.toBe(0xcc);
  });
});
