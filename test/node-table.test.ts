/**
 * The node table (src/procfs/node.ts) is what every source, the snapshot writer and the mount
 * serve from: each node once, and the live source agrees with its modes.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { NODE_NAMES, NODE_TABLE, nodeSpec } from '../src/procfs/node.js';
import { LinuxProcFs } from '../src/procfs/sources/linux/index.js';
import { SNAPSHOT_NODES } from '../src/inventory/snapshot.js';
import { liveOk } from './helpers/root.js';

describe('the node table', () => {
  it('names every node once, with a positive cap; snapshots hold readable, unprivileged nodes only', () => {
    expect(new Set(NODE_NAMES).size).toBe(NODE_TABLE.length);
    for (const n of NODE_TABLE) {
      expect(nodeSpec(n.name)).toBe(n);
      expect(n.cap).toBeGreaterThan(0);
      if (n.snapshot) expect([n.mode.includes('r'), n.privileged]).toEqual([true, false]);
      if (n.privileged) expect(n.control || n.name === 'mem').toBe(true);
    }
    expect(SNAPSHOT_NODES).toEqual(NODE_TABLE.filter((n) => n.snapshot).map((n) => n.name));
    expect(nodeSpec('file').type).toBe('link');
  });
});

describe.skipIf(!liveOk('node table, live'))('the node table, live', () => {
  const fs = new LinuxProcFs();
  afterAll(() => fs.close());
  it('the live source reads every readable unprivileged node of a process and refuses writes to read-only ones', async () => {
    for (const n of NODE_TABLE.filter((x) => !x.control)) {
      const data = await fs.read(process.pid, n.name);
      expect(data.length).toBeGreaterThan(0);
      if (n.mode === 'r') await expect(fs.write(process.pid, n.name, 'x')).rejects.toMatchObject({ code: 'EOPNOTSUPP' });
    }
  });
});
