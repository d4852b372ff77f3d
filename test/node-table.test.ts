/**
 * The node table (src/procfs/node.ts) is what every source, the snapshot writer and the mount
 * serve from: each node once, and the live source agrees with its modes. The mount serves a
 * node by its row's `content` (text, raw, space), so a new row needs no name in the mount.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readNode, takesWord, type NodeHandle } from '../src/mount/node-content.js';
import { NODE_NAMES, NODE_TABLE, nodeSpec, type NodeContent, type NodeName, type NodeSpec, type ReadableNode } from '../src/procfs/node.js';
import type { NodeOptions, ProcFs } from '../src/procfs/source.js';
import { FakeProcFs } from '../src/procfs/sources/fake.js';
import { spinner } from '../src/procfs/sources/fake/programs.js';
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

/** A source whose every whole read answers new bytes (`read 1 `, `read 2 `, …) and whose `mem` is all 'A'. */
function countingSource(): { fs: ProcFs; reads: () => number } {
  let n = 0;
  const fs = {
    read: async () => Buffer.from(`read ${++n} `),
    readInto: async (_pid: number, _node: string, into: Uint8Array, opts: NodeOptions) => {
      into.fill(0x41);
      return Math.min(into.length, opts.length ?? into.length);
    },
  } as unknown as ProcFs;
  return { fs, reads: () => n };
}

function handleOn(spec: NodeSpec): NodeHandle {
  return { item: { kind: 'node', pid: 1, spec }, want: { read: true, write: false, exec: false }, start: '0,0', checked: [] };
}

/** What the mount served for a READ at 0 then one at 2: which content kind it treated the row as. */
async function servedAs(spec: NodeSpec): Promise<NodeContent> {
  const { fs, reads } = countingSource();
  const h = handleOn(spec);
  const first = await readNode(fs, h, 0n, 64);
  if (reads() === 0) return first.every((b) => b === 0x41) ? 'space' : 'text';
  const later = await readNode(fs, h, 2n, 64);
  return later.toString() === first.subarray(2).toString() ? 'text' : 'raw';
}

describe('the mount serves each node as its row says (content), never by its name', () => {
  it('every readable row is served as its content kind', async () => {
    for (const row of NODE_TABLE.filter((r) => r.mode.includes('r'))) expect([row.name, await servedAs(row)]).toEqual([row.name, row.content]);
  });

  it('a row flagged otherwise is served otherwise: the table decides, not the name', async () => {
    expect(await servedAs({ ...nodeSpec('status'), content: 'raw' })).toBe('raw');
    expect(await servedAs({ ...nodeSpec('regs'), content: 'text' })).toBe('text');
    expect(await servedAs({ ...nodeSpec('why'), content: 'space' })).toBe('space');
  });

  it('the word nodes are the writable text rows', () => {
    expect(NODE_TABLE.filter(takesWord).map((r) => r.name)).toEqual(['ctl', 'note', 'notepg']);
    expect(takesWord({ ...nodeSpec('regs'), content: 'text' })).toBe(true);
  });

  it('the fake source fills every readable row (its NodeFillers record), and refuses a read of a write-only one', async () => {
    const fake = new FakeProcFs();
    const pid = fake.add(spinner());
    await fake.write(pid, 'ctl', 'attach');
    await fake.write(pid, 'ctl', 'wait');
    for (const row of NODE_TABLE) {
      const read = fake.read(pid, row.name, row.content === 'space' ? { offset: 0x401000n, length: 4 } : {});
      if (row.mode.includes('r')) expect((await read).length).toBeGreaterThan(0);
      else await expect(read).rejects.toMatchObject({ code: 'EOPNOTSUPP' });
    }
    await fake.close();
  });

  it('the write-only rows are the ones ReadableNode leaves out, so every source fills the rest', () => {
    const writeOnly: readonly Exclude<NodeName, ReadableNode>[] = ['ctl', 'note', 'notepg'];
    expect(NODE_TABLE.filter((r) => !r.mode.includes('r')).map((r) => r.name)).toEqual(writeOnly);
  });
});
