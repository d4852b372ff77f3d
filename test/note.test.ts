import { afterEach, describe, expect, it } from 'vitest';
import { ProcfsError } from '../src/procfs/errors.js';
import { parseNote } from '../src/procfs/note.js';
import { deliverNote } from '../src/procfs/sources/linux/note.js';
import { LinuxControl } from '../src/procfs/sources/linux/control.js';
import { liveOk } from './helpers/root.js';
import { killAllTracees, startTracee } from './helpers/tracee.js';

describe('note words (pure)', () => {
  it('takes BSD names and pdbg extensions; unknown → EOPNOTSUPP', () => {
    expect(parseNote('usr1\n').number).toBe(10);
    expect(parseNote('SIGTERM').name).toBe('term');
    expect(() => parseNote('bogus')).toThrow(ProcfsError);
    expect(() => parseNote('SIGUSR1', true)).toThrow(/unknown signal/);
  });
});

describe.skipIf(!liveOk('note live'))('note and notepg deliver signals', () => {
  const lc = new LinuxControl();
  afterEach(() => killAllTracees());

  it('note signals the process; notepg signals its process group', async () => {
    const a = await startTracee('ctltarget', ['spin']);
    await a.waitFor(/ready/);
    await lc.write(a.pid, 'note', 'usr1');
    await a.waitFor(/usr1 0x/);
    const b = await startTracee('ctltarget', ['spin']);
    await b.waitFor(/ready/);
    const d = deliverNote(b.pid, 'note', 'cont');
    expect(d.target).toBe(b.pid);
    const e = await lc.write(2 ** 22 + 4321, 'note', 'usr1').catch((x: ProcfsError) => x);
    expect((e as ProcfsError).code).toBe('ESRCH');
    const bad = await lc.write(a.pid, 'note', 'nonsense').catch((x: ProcfsError) => x);
    expect((bad as ProcfsError).code).toBe('EOPNOTSUPP');
  });

  it('notepg reaches every member of the group', async () => {
    // setsid gives the pair a process group of their own, so this test's group is never signalled
    const t = await startTracee('ctltarget', ['spin']);
    await t.waitFor(/ready/);
    const { spawn } = await import('node:child_process');
    const grp = spawn('setsid', ['sh', '-c', `${process.cwd()}/.cache/targets/ctltarget spin & ${process.cwd()}/.cache/targets/ctltarget spin & wait`], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    grp.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
    try {
      for (let i = 0; i < 200 && (out.match(/ready/g) ?? []).length < 2; i++) await new Promise((r) => setTimeout(r, 10));
      const pids = [...out.matchAll(/ready (\d+)/g)].map((m) => Number(m[1]));
      expect(pids.length).toBe(2);
      await lc.write(pids[0]!, 'notepg', 'usr1');
      for (let i = 0; i < 200 && (out.match(/usr1/g) ?? []).length < 2; i++) await new Promise((r) => setTimeout(r, 10));
      expect((out.match(/usr1 0x1122334455667788/g) ?? []).length).toBe(2);
      expect(t.stdout()).not.toMatch(/usr1/); // another group: untouched
      await lc.write(pids[0]!, 'notepg', 'kill');
    } finally {
      grp.kill('SIGKILL');
    }
  });
});
