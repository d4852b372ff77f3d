import { expect, it } from 'vitest';
import { ProcfsError } from '../../src/procfs/errors.js';
import { parseStatusBytes } from '../../src/procfs/status.js';
import type { ProcFs } from '../../src/procfs/source.js';

/**
 * What every ProcFs backend must do alike (the Delve way: one contract, every backend).
 * `get` is called inside each test so the source can be made in a beforeAll.
 */
export function sourceContract(get: () => ProcFs, opts: { writable: boolean; somePid: () => number }): void {
  it('lists pids ascending, without duplicates', async () => {
    const pids = await get().pids();
    expect(pids.length).toBeGreaterThan(0);
    for (let i = 1; i < pids.length; i++) expect(pids[i]!).toBeGreaterThan(pids[i - 1]!);
  });

  it('serves a status line that parses and names its own pid', async () => {
    const fs = get();
    const pid = opts.somePid();
    const buf = await fs.read(pid, 'status');
    expect(buf[buf.length - 1]).toBe(0x0a);
    const s = parseStatusBytes(buf);
    expect(s.pid).toBe(pid);
    expect(s.ppid).toBeGreaterThanOrEqual(0);
  });

  it('serves cmdline as NUL-separated argv', async () => {
    const fs = get();
    const buf = await fs.read(opts.somePid(), 'cmdline');
    expect(buf.length).toBeGreaterThan(0);
    expect(buf.includes(0x0a) && !buf.includes(0)).toBe(false);
  });

  it('answers an unknown pid with ESRCH', async () => {
    const fs = get();
    const pids = await fs.pids();
    const unknown = pids[pids.length - 1]! + 100_000;
    await expect(fs.read(unknown, 'status')).rejects.toMatchObject({ code: 'ESRCH' });
    await expect(fs.read(unknown, 'status')).rejects.toBeInstanceOf(ProcfsError);
  });

  it(opts.writable ? 'refuses writes to read-only nodes' : 'refuses every write (read-only tree)', async () => {
    const fs = get();
    const err = await fs.write(opts.somePid(), 'status', 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProcfsError);
    expect(['EROFS', 'EOPNOTSUPP']).toContain((err as ProcfsError).code);
    if (!opts.writable) {
      await expect(fs.write(opts.somePid(), 'ctl', 'attach')).rejects.toMatchObject({ code: 'EROFS' });
    }
  });
}
