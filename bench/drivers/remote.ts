/**
 * pdbg's engine over the remote protocol, as a library user drives it through the package entry
 * (dist/src/index.js): a local stdio agent (`connectAgent([node, bin/pdbg.js, serve, --stdio])`),
 * a `--via` chain (`openAgent(parseChain(TEXT))` + `remoteProcFs`), or the live source
 * (`openProcFs()`) for the direct figure; then `Session.attach` and `stepN`, timed alone (the
 * connection, attach and an untimed warm-up excluded: 2,000 steps or a tenth of N, whichever is more,
 * since a fresh agent's V8 takes ~2,000 steps to compile its side of the loop). Round trips come from the
 * client's `stats()`, counted over the timed loop only.
 */
import type * as Pdbg from '../../src/index.js';
import { pdbgBin } from '../paths.js';
import { hasFunctions, importPackage, type Loaded, notBuilt } from './load.js';

type Api = typeof Pdbg;

export interface StepTiming {
  /** Steps per second of the timed stepN. */
  rate: number;
  /** µs per step. */
  usPerStep: number;
  /** Round trips the client waited out per step (null over the direct source). */
  roundTripsPerStep: number | null;
}

/** Where the session's source comes from. */
export type Over = { kind: 'direct' } | { kind: 'stdio' } | { kind: 'chain'; text: string };

export interface RemoteDriver {
  /** Opens the source, attaches to `pid`, steps `n` times (timed), detaches and closes. */
  stepOver(over: Over, pid: number, n: number): Promise<StepTiming>;
  /** Opens the chain once and closes it: the far side has the agent cached after this. */
  warmChain(text: string): Promise<void>;
}

/** The untimed steps before the timed ones, the same over every source. */
export function warmSteps(n: number): number {
  return Math.max(2000, Math.floor(n / 10));
}

/** The agent command of the `remote` row: this package's pdbg, under this Node. */
export function stdioAgentCommand(): string[] {
  return [process.execPath, pdbgBin, 'serve', '--stdio'];
}

export async function loadRemote(): Promise<Loaded<RemoteDriver>> {
  const mod = await importPackage();
  if (!mod.ok) return mod;
  const missing = hasFunctions(mod.value, ['openProcFs', 'connectAgent', 'parseChain', 'openAgent', 'remoteProcFs', 'RemoteProcFs']);
  if (missing) return { ok: false, why: missing };
  const api = mod.value as unknown as Api;
  if (typeof api.Session?.attach !== 'function') return { ok: false, why: notBuilt('Session.attach') };

  const open = async (over: Over): Promise<Pdbg.ProcFs> => {
    switch (over.kind) {
      case 'direct':
        return api.openProcFs();
      case 'stdio':
        return api.connectAgent(stdioAgentCommand(), { name: 'bench stdio agent' });
      case 'chain':
        return api.remoteProcFs(await api.openAgent(api.parseChain(over.text)));
    }
  };
  const roundTrips = (fs: Pdbg.ProcFs): number | null => (fs instanceof api.RemoteProcFs ? fs.stats().roundTrips : null);

  return {
    ok: true,
    value: {
      async stepOver(over, pid, n) {
        const fs = await open(over);
        let s: Pdbg.Session | undefined;
        try {
          s = await api.Session.attach(fs, pid);
          await s.stepN(warmSteps(n));
          const rt0 = roundTrips(fs);
          const t0 = process.hrtime.bigint();
          const ev = await s.stepN(n);
          const ns = Number(process.hrtime.bigint() - t0);
          const rt1 = roundTrips(fs);
          if (ev.kind !== 'step') throw new Error(`stepN stopped early: ${ev.kind}`);
          return { rate: (n * 1e9) / ns, usPerStep: ns / n / 1000, roundTripsPerStep: rt0 === null || rt1 === null ? null : (rt1 - rt0) / n };
        } finally {
          try {
            await s?.detach();
          } finally {
            await fs.close();
          }
        }
      },
      async warmChain(text) {
        const fs = await open({ kind: 'chain', text });
        await fs.close();
      },
    },
  };
}
