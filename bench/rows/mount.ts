/**
 * `mount`: the procfs as files, against the direct source. One `pdbg mount` daemon serves a
 * temporary directory; the same client code reads through it and through the live source:
 * - µs per 8-byte `mem` read (pdbg's mem node readInto: over the mount vs direct), and a C
 *   pread loop on MNT/PID/mem against the same loop on /proc/PID/mem (what the FUSE round
 *   trip itself costs, without Node);
 * - MB/s in 64 KiB reads, the same four ways;
 * - steps/s of the engine (Session.stepN) over the mount vs over the live source.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProcFs, Session as SessionClass } from '../../src/index.js';
import { buildC } from '../build.js';
import { parseCResult } from '../c-result.js';
import { importPackage } from '../drivers/load.js';
import { pdbgBin } from '../paths.js';
import { startTracked, timeOk } from '../procs.js';
import type { RowResult } from '../result.js';
import { measureSides, sideNamed, type BenchContext, type Row, type SideDef } from '../row.js';
import { speedRatio } from '../stats.js';
import { withHot } from '../target.js';

function mounted(dir: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === dir);
}

async function withMount<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'pdbg-bench-mnt-'));
  const daemon = startTracked(process.execPath, [pdbgBin, 'mount', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  daemon.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  try {
    for (let i = 0; i < 400 && !mounted(dir); i++) {
      if (daemon.exitCode !== null) throw new Error(`pdbg mount exited: ${err.trim()}`);
      await sleep(25);
    }
    if (!mounted(dir)) throw new Error(`pdbg mount did not mount: ${err.trim()}`);
    return await fn(dir);
  } finally {
    daemon.kill('SIGTERM');
    if (daemon.exitCode === null && daemon.signalCode === null) await new Promise((r) => daemon.once('exit', r));
    for (let i = 0; i < 200 && mounted(dir); i++) await sleep(25);
    if (!mounted(dir)) rmSync(dir, { recursive: true, force: true });
  }
}

/** No goal (the issue asks for the comparison): the price of file I/O through FUSE, as a ratio. */
function priceNote(sides: Parameters<typeof sideNamed>[0], over: string, direct: string): string {
  const r = speedRatio(sideNamed(sides, over).median, sideNamed(sides, direct).median, sideNamed(sides, over).better);
  return `${over}: ${Number.isFinite(r) ? r.toFixed(2) : 'n/a'}× ${direct}`;
}

type Api = { openProcFs(root?: string): Promise<ProcFs>; Session: typeof SessionClass };

async function readRate(api: Api, root: string | undefined, pid: number, addr: bigint, size: number, chunk: number): Promise<{ usPerRead: number; mbs: number }> {
  const fs = await api.openProcFs(root);
  try {
    const buf = Buffer.alloc(chunk);
    const opts = { offset: addr, length: chunk };
    for (let off = 0; off < Math.min(size, 64 * chunk); off += chunk) {
      opts.offset = addr + BigInt(off);
      await fs.readInto(pid, 'mem', buf, opts);
    }
    let n = 0;
    const t0 = process.hrtime.bigint();
    for (let off = 0; off + chunk <= size; off += chunk, n++) {
      opts.offset = addr + BigInt(off);
      await fs.readInto(pid, 'mem', buf, opts);
    }
    const ns = Number(process.hrtime.bigint() - t0);
    return { usPerRead: ns / n / 1000, mbs: (n * chunk * 1000) / ns };
  } finally {
    await fs.close();
  }
}

async function stepRate(api: Api, root: string | undefined, pid: number, n: number): Promise<number> {
  const fs = await api.openProcFs(root);
  let s: SessionClass | undefined;
  try {
    s = await api.Session.attach(fs, pid);
    await s.stepN(Math.max(50, Math.floor(n / 20)));
    const t0 = process.hrtime.bigint();
    const ev = await s.stepN(n);
    const ns = Number(process.hrtime.bigint() - t0);
    if (ev.kind !== 'step') throw new Error(`stepN stopped early: ${ev.kind}`);
    return (n * 1e9) / ns;
  } finally {
    try {
      await s?.detach();
    } finally {
      await fs.close();
    }
  }
}

export const mountRow: Row = {
  id: 'mount',
  async run(ctx: BenchContext): Promise<RowResult[]> {
    const pkg = await importPackage();
    if (!pkg.ok) throw new Error(pkg.why);
    const api = pkg.value as unknown as Api;
    const preadfile = buildC('preadfile');
    return withMount(async (mnt) => {
      const results: RowResult[] = [];
      await withHot('mem', async (t) => {
        for (const chunk of [8, 64 << 10]) {
          // 8-byte reads: 20,000 of them; 64 KiB: 32 MiB.
          const size = chunk === 8 ? (ctx.quick ? 4000 : 20000) * 8 : Math.min(t.size, (ctx.quick ? 8 : 32) << 20);
          const small = chunk === 8;
          const unit = small ? 'µs/read' : 'MB/s';
          const better = small ? 'lower' : 'higher';
          const pick = (r: { usPerRead: number; mbs: number }) => (small ? r.usPerRead : r.mbs);
          const c = (path: string) => async () => {
            const r = parseCResult(timeOk(preadfile, [path, `0x${t.addr.toString(16)}`, String(size), String(chunk), '1']).stdout);
            return small ? r.ns / r.ops / 1000 : (r.bytes * 1000) / r.ns;
          };
          const defs: SideDef[] = [
            { name: 'mem node, direct source', kind: 'baseline', unit, better, sample: async () => pick(await readRate(api, undefined, t.pid, t.addr, size, chunk)) },
            { name: 'mem node over the mount', kind: 'pdbg', unit, better, sample: async () => pick(await readRate(api, mnt, t.pid, t.addr, size, chunk)) },
            { name: 'C pread /proc/PID/mem', kind: 'baseline', unit, better, sample: c(`/proc/${t.pid}/mem`) },
            { name: 'C pread MNT/PID/mem', kind: 'pdbg', unit, better, sample: c(`${mnt}/${t.pid}/mem`) },
          ];
          ctx.log(` mount, ${small ? '8-byte' : '64 KiB'} reads`);
          const sides = await measureSides(ctx, defs);
          results.push({
            id: `mount-read-${chunk}`,
            title: `mem through a pdbg mount, ${small ? '8-byte' : '64 KiB'} reads`,
            sides,
            goals: [],
            notes: [priceNote(sides, 'mem node over the mount', 'mem node, direct source'), priceNote(sides, 'C pread MNT/PID/mem', 'C pread /proc/PID/mem')],
          });
        }
      });
      const n = ctx.quick ? 2000 : 20000;
      const defs: SideDef[] = [
        { name: 'Session.stepN, direct source', kind: 'baseline', unit: 'steps/s', better: 'higher', sample: () => withHot('step', (t) => stepRate(api, undefined, t.pid, n)) },
        { name: 'Session.stepN over the mount', kind: 'pdbg', unit: 'steps/s', better: 'higher', sample: () => withHot('step', (t) => stepRate(api, mnt, t.pid, n)) },
      ];
      ctx.log(' mount, engine steps');
      const sides = await measureSides(ctx, defs);
      results.push({
        id: 'mount-step',
        title: `engine steps over a pdbg mount, ${n} steps`,
        sides,
        goals: [],
        notes: [priceNote(sides, 'Session.stepN over the mount', 'Session.stepN, direct source')],
      });
      return results;
    });
  },
};
