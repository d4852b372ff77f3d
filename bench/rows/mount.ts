/**
 * `pdbg mount` (issue 11): the `mem` node read through the FUSE mount, as a program reads a file
 * (pread on DIR/PID/mem), against the same reads of the live source in-process (`readInto`, what
 * the daemon itself calls per request) and, for information, pread on /proc/PID/mem (the kernel
 * alone). Two lines: µs per 8-byte read (the per-request cost: two context switches through
 * /dev/fuse, the daemon's decode, the source call, the reply) and MB/s in 64 KiB reads.
 *
 * One daemon (`node bin/pdbg.js mount DIR`, root: mount(2)) and one hot target serve every side
 * and round: reading changes nothing. The mount's reads are synchronous preads of this process
 * (the daemon is another process, so they cannot deadlock it).
 */
import { closeSync, mkdtempSync, openSync, readSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProcFs } from '../../src/index.js';
import { loadOpenProcFs } from '../drivers/live.js';
import { pdbgBin } from '../paths.js';
import { startTracked } from '../procs.js';
import type { RowResult, Side } from '../result.js';
import { measureSides, sideNamed, type BenchContext, type Row, type SideDef } from '../row.js';
import { speedRatio } from '../stats.js';
import { withHot, type HotTarget } from '../target.js';

const MOUNT = 'pread DIR/PID/mem, pdbg mount';
const DIRECT = 'readInto, openProcFs()';
const KERNEL = 'pread /proc/PID/mem (info)';

/** 8-byte reads walk the first MiB of the buffer, so every read is a fresh address. */
const SMALL_SPAN = 1 << 20;
const BIG = 64 * 1024;

interface Reader {
  /** µs per `n` 8-byte reads. */
  small(n: number): Promise<number>;
  /** MB/s reading `bytes` in 64 KiB reads. */
  big(bytes: number): Promise<number>;
}

function fileReader(path: string, t: HotTarget): Reader {
  const base = Number(t.addr);
  const run = (size: number, count: number, step: number, span: number): number => {
    const fd = openSync(path, 'r');
    const buf = Buffer.alloc(size);
    try {
      for (let i = 0; i < 100; i++) readSync(fd, buf, 0, size, base + ((i * step) % span));
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < count; i++) {
        const n = readSync(fd, buf, 0, size, base + ((i * step) % span));
        if (n !== size) throw new Error(`${path}: short read of ${n} at 0x${(base + ((i * step) % span)).toString(16)}`);
      }
      return Number(process.hrtime.bigint() - t0);
    } finally {
      closeSync(fd);
    }
  };
  return {
    small: async (n) => run(8, n, 8, SMALL_SPAN) / 1000 / n,
    big: async (bytes) => (bytes / run(BIG, bytes / BIG, BIG, t.size)) * 1000,
  };
}

function sourceReader(fs: ProcFs, t: HotTarget): Reader {
  const run = async (size: number, count: number, step: number, span: number): Promise<number> => {
    const buf = Buffer.alloc(size);
    const opts = { offset: t.addr, length: size };
    for (let i = 0; i < 100; i++) {
      opts.offset = t.addr + BigInt((i * step) % span);
      await fs.readInto(t.pid, 'mem', buf, opts);
    }
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < count; i++) {
      opts.offset = t.addr + BigInt((i * step) % span);
      const n = await fs.readInto(t.pid, 'mem', buf, opts);
      if (n !== size) throw new Error(`mem: short read of ${n}`);
    }
    return Number(process.hrtime.bigint() - t0);
  };
  return {
    small: async (n) => (await run(8, n, 8, SMALL_SPAN)) / 1000 / n,
    big: async (bytes) => (bytes / (await run(BIG, bytes / BIG, BIG, t.size))) * 1000,
  };
}

/** `pdbg mount DIR` running until `fn` is done; always unmounted (SIGTERM) and DIR removed. */
async function withMount<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'pdbg-bench-mnt-'));
  const child = startTracked(process.execPath, [pdbgBin, 'mount', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  try {
    let err = '';
    await new Promise<void>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`pdbg mount: not serving after 20 s: ${err.trim()}`)), 20_000);
      child.stderr!.setEncoding('utf8').on('data', (d: string) => {
        err += d;
        if (err.includes('serving')) {
          clearTimeout(timer);
          res();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        rej(new Error(`pdbg mount exited (${code}): ${err.trim()}`));
      });
    });
    return await fn(dir);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    try {
      rmdirSync(dir);
    } catch {
      /* still busy: left for the machine's tmp cleaning */
    }
  }
}

function ratioNote(sides: readonly Side[], what: string): string {
  const r = speedRatio(sideNamed(sides, MOUNT).median, sideNamed(sides, DIRECT).median, sideNamed(sides, MOUNT).better);
  return `${what}: the mount at ${Number.isFinite(r) ? r.toFixed(2) : 'n/a'}× the direct source`;
}

export const mountRow: Row = {
  id: 'mount',
  async run(ctx: BenchContext): Promise<RowResult[]> {
    const open = await loadOpenProcFs();
    const smallN = ctx.quick ? 2000 : 20_000;
    const bigBytes = ctx.quick ? 16 << 20 : 64 << 20;
    return withHot('mem', (t) =>
      withMount(async (dir) => {
        const fs = open.ok ? await open.value() : undefined;
        try {
          const readers: [string, Side['kind'], Reader | undefined, string | undefined][] = [
            [MOUNT, 'pdbg', fileReader(join(dir, String(t.pid), 'mem'), t), undefined],
            [DIRECT, 'baseline', fs && sourceReader(fs, t), open.ok ? undefined : open.why],
            [KERNEL, 'baseline', fileReader(`/proc/${t.pid}/mem`, t), undefined],
          ];
          const defs = (unit: string, better: 'lower' | 'higher', sample: (r: Reader) => Promise<number>): SideDef[] =>
            readers.map(([name, kind, r, why]) => (r ? { name, kind, unit, better, sample: () => sample(r) } : { name, kind, unit, better, missing: why ?? 'n/a' }));
          ctx.log(' mount, 8-byte reads');
          const small = await measureSides(ctx, defs('µs/read', 'lower', (r) => r.small(smallN)));
          ctx.log(' mount, 64 KiB reads');
          const big = await measureSides(ctx, defs('MB/s', 'higher', (r) => r.big(bigBytes)));
          return [
            { id: 'mount-8', title: `mem through pdbg mount, 8-byte preads (${smallN})`, sides: small, goals: [], notes: [ratioNote(small, '8-byte reads')] },
            { id: 'mount-64k', title: `mem through pdbg mount, ${bigBytes >> 20} MiB in 64 KiB preads`, sides: big, goals: [], notes: [ratioNote(big, '64 KiB reads')] },
          ];
        } finally {
          await fs?.close();
        }
      }),
    );
  },
};
