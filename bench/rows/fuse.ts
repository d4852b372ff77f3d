/**
 * `fuse`: the FUSE transport (src/fuse/), not the procfs behind it. A toy file system serves
 * one file from a buffer held in this process, mounted for real; a python3 loop in a child
 * process preads it (8 bytes for the latency, 64 KiB for the throughput), and the same loop
 * preads a tmpfs file as the baseline. The child is started asynchronously: this process's JS
 * thread serves the mount while the child runs (a spawnSync here would deadlock the mount).
 * Goals: the raw-protocol prototype measured earlier on this VM (next-wave.md): 25 µs per
 * 8-byte pread and 311 MB/s at 64 KiB.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FuseAttr, FuseFilesystem } from '../../src/fuse/filesystem.js';
import { mountFuse } from '../../src/fuse/mount.js';
import { FuseSession } from '../../src/fuse/session.js';
import { boundGoal } from '../goals.js';
import { track } from '../procs.js';
import type { RowResult } from '../result.js';
import { measureSides, sideNamed, type BenchContext, type Row, type SideDef } from '../row.js';

const BIG = 64 * 1024;
const FUSE_SMALL = 'pread 8 B, toy FUSE mount';
const TMPFS_SMALL = 'pread 8 B, tmpfs file';
const FUSE_BIG = 'pread 64 KiB, toy FUSE mount';
const TMPFS_BIG = 'pread 64 KiB, tmpfs file';

// argv: path, size, count. Prints ns for `count` preads at offset 0 (after 200 untimed).
const CLIENT = `import os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
n, count = int(sys.argv[2]), int(sys.argv[3])
for _ in range(200): os.pread(fd, n, 0)
t = time.perf_counter_ns()
for _ in range(count):
    if len(os.pread(fd, n, 0)) != n: sys.exit('short read')
print(time.perf_counter_ns() - t)`;

function client(path: string, size: number, count: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = track(spawn('python3', ['-c', CLIENT, path, String(size), String(count)], { stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    let err = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`python3 client: ${err.trim() || `exit ${code}`}`))));
  });
}

/** One read-only file `data` whose reads are slices of one buffer: what is measured is the protocol. */
function toyFs(content: Buffer): FuseFilesystem {
  const start = Date.now();
  const attr = (ino: bigint): FuseAttr =>
    ino === 1n ? { ino, type: 'dir', perm: 0o555, nlink: 2, uid: 0, gid: 0, size: 0n, mtimeMs: start } : { ino, type: 'file', perm: 0o444, nlink: 1, uid: 0, gid: 0, size: 0n, mtimeMs: start };
  const enoent = () => Object.assign(new Error('no such file'), { code: 'ENOENT' });
  return {
    async lookup(_c, parent, name) {
      if (parent !== 1n || name !== 'data') throw enoent();
      return { attr: attr(2n), entryTtl: 1, attrTtl: 1 };
    },
    forget() {},
    async getattr(_c, ino) {
      return attr(ino);
    },
    async setattr(_c, ino) {
      return attr(ino);
    },
    async readlink() {
      throw Object.assign(new Error('not a link'), { code: 'EINVAL' });
    },
    async open() {
      return { fh: 1n, directIo: true };
    },
    async read(_c, _ino, _fh, offset, size) {
      const o = Number(offset);
      return content.subarray(o, o + size);
    },
    async write() {
      throw Object.assign(new Error('read-only'), { code: 'EACCES' });
    },
    async flush() {},
    async release() {},
    async opendir() {
      return { fh: 1n, directIo: false };
    },
    async readdir() {
      return [
        { name: '.', ino: 1n, type: 'dir' },
        { name: '..', ino: 1n, type: 'dir' },
        { name: 'data', ino: 2n, type: 'file' },
      ];
    },
    async releasedir() {},
    async statfs() {
      return { blocks: 0n, bfree: 0n, files: 1n, ffree: 0n, namelen: 255 };
    },
    async access() {},
    async destroy() {},
  };
}

export const fuseRow: Row = {
  id: 'fuse',
  async run(ctx: BenchContext): Promise<RowResult[]> {
    const smallCount = ctx.quick ? 5000 : 50000;
    const bigCount = ctx.quick ? 1000 : 10000;
    const base = mkdtempSync(join(tmpdir(), 'pdbg-bench-fuse-'));
    const dir = join(base, 'mnt');
    mkdirSync(dir);
    const shm = mkdtempSync('/dev/shm/pdbg-bench-fuse-');
    const content = Buffer.alloc(BIG, 0x61);
    writeFileSync(join(shm, 'data'), content);
    const session = FuseSession.start(await mountFuse(dir, { fsName: 'pdbg-bench' }), toyFs(content));
    try {
      const us = (path: string) => async () => (await client(path, 8, smallCount)) / smallCount / 1000;
      const mbs = (path: string) => async () => (BIG * bigCount) / ((await client(path, BIG, bigCount)) / 1e9) / 1e6;
      const small: SideDef[] = [
        { name: FUSE_SMALL, kind: 'pdbg', unit: 'µs', better: 'lower', sample: us(join(dir, 'data')) },
        { name: TMPFS_SMALL, kind: 'baseline', unit: 'µs', better: 'lower', sample: us(join(shm, 'data')) },
      ];
      const big: SideDef[] = [
        { name: FUSE_BIG, kind: 'pdbg', unit: 'MB/s', better: 'higher', sample: mbs(join(dir, 'data')) },
        { name: TMPFS_BIG, kind: 'baseline', unit: 'MB/s', better: 'higher', sample: mbs(join(shm, 'data')) },
      ];
      ctx.log(' fuse, 8-byte preads');
      const s = await measureSides(ctx, small);
      ctx.log(' fuse, 64 KiB preads');
      const b = await measureSides(ctx, big);
      const served = session.stats();
      const note = `python3 os.pread loop in a child (${smallCount} × 8 B, ${bigCount} × 64 KiB per sample, offset 0); the toy file system answers from a buffer in the bench's process; requests served: ${served.READ ?? 0} READ`;
      return [
        { id: 'fuse-8', title: `µs per 8-byte pread through a FUSE mount, ${smallCount} preads`, sides: s, goals: [boundGoal(sideNamed(s, FUSE_SMALL), 'µs/pread', sideNamed(s, FUSE_SMALL).median, '<', 25, 'µs')], notes: [note] },
        { id: 'fuse-64k', title: `MB/s of 64 KiB preads through a FUSE mount, ${bigCount} preads`, sides: b, goals: [boundGoal(sideNamed(b, FUSE_BIG), 'MB/s', sideNamed(b, FUSE_BIG).median, '>=', 311, 'MB/s')], notes: [] },
      ];
    } finally {
      await session.stop();
      rmSync(base, { recursive: true, force: true });
      rmSync(shm, { recursive: true, force: true });
    }
  },
};
