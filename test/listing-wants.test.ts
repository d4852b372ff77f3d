/**
 * A live listing reads only what its columns need: without a uid/gid column /proc/PID/status is
 * not read (the credentials come back as -1, documented in ListWants.creds); with one they are
 * the real ones, as /proc/self/status says.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { listProcesses } from '../src/inventory/listing.js';
import { LinuxProcFs } from '../src/procfs/sources/linux/index.js';

const fs = new LinuxProcFs();
afterAll(() => fs.close());

describe('listing wants', () => {
  it('credentials only for a uid or gid column', async () => {
    const uid = Number(/^Uid:\s+\d+\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'latin1'))![1]);
    const [bare] = await listProcesses(fs, { fields: ['pid', 'comm'], pids: [process.pid] });
    expect(bare!.pid).toBe(process.pid);
    expect(bare!.status.euid).toBe(-1);
    expect(bare!.status.ppid).toBe(process.ppid);
    const [full] = await listProcesses(fs, { fields: ['pid', 'uid'], pids: [process.pid] });
    expect(full!.status.euid).toBe(uid);
  });
});
