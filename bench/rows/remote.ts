/**
 * The remote protocol (issue 10). `remote`: steps/s of `Session.stepN` over a local stdio agent
 * (`pdbg serve --stdio`, no ssh) against the same loop over the live source, alternating.
 * `ssh`: µs per step over a loopback ssh chain against the same over the stdio agent.
 * `fanout`: `pdbg ps` over four ssh chains at once against four single-chain runs in a row.
 * The ssh rows start their own sshd on loopback (bench/sshd.ts, as the chain tests do), with a
 * fresh far HOME; the agent is shipped into it once before anything is timed.
 */
import { loadRemote, warmSteps, type RemoteDriver } from '../drivers/remote.js';
import type { Loaded } from '../drivers/load.js';
import { fasterGoal, ratioGoal } from '../goals.js';
import { pdbgBin } from '../paths.js';
import { timeOk, track } from '../procs.js';
import type { RowResult, Side } from '../result.js';
import { oneLine } from '../rounds.js';
import { measureSides, sideNamed, type BenchContext, type Row, type SideDef } from '../row.js';
import { sshdMissing, startSshd, type Sshd } from '../sshd.js';
import { median } from '../stats.js';
import { withHot } from '../target.js';

const DIRECT = 'Session.stepN, openProcFs()';
const STDIO = 'Session.stepN, stdio agent';
const SSH = 'Session.stepN, ssh loopback';

/** Round trips per step as the notes print them. */
/** Round trips per step: 1.00 stepping one by one, ~0.001 with the agent's step loop. */
function rtText(xs: readonly number[]): string {
  if (!xs.length) return 'n/a';
  const m = median(xs);
  return m >= 0.1 ? m.toFixed(2) : m.toPrecision(2);
}

/** A side measured by stepOver, keeping the round trips per step of each sample. */
function stepSide(
  driver: Loaded<RemoteDriver>,
  name: string,
  kind: Side['kind'],
  unit: 'steps/s' | 'µs/step',
  over: () => Parameters<RemoteDriver['stepOver']>[0],
  n: number,
  rts: number[],
): SideDef {
  const better = unit === 'steps/s' ? 'higher' : 'lower';
  if (!driver.ok) return { name, kind, unit, better, missing: driver.why };
  return {
    name,
    kind,
    unit,
    better,
    sample: () =>
      withHot('step', async (t) => {
        const r = await driver.value.stepOver(over(), t.pid, n);
        if (r.roundTripsPerStep !== null) rts.push(r.roundTripsPerStep);
        return unit === 'steps/s' ? r.rate : r.usPerStep;
      }),
  };
}

/** Adds the round trips per step to a side's note (not over an error note). */
function noteRoundTrips(side: Side, rts: readonly number[]): void {
  if (side.note === undefined && rts.length) side.note = `${rtText(rts)} round trips/step`;
}

export const remoteRow: Row = {
  id: 'remote',
  async run(ctx: BenchContext): Promise<RowResult[]> {
    const n = ctx.quick ? 2_000 : 20_000;
    const driver = await loadRemote();
    const rts: number[] = [];
    const defs: SideDef[] = [
      stepSide(driver, DIRECT, 'baseline', 'steps/s', () => ({ kind: 'direct' }), n, []),
      stepSide(driver, STDIO, 'pdbg', 'steps/s', () => ({ kind: 'stdio' }), n, rts),
    ];
    const sides = await measureSides(ctx, defs);
    const remote = sideNamed(sides, STDIO);
    return [
      {
        id: 'remote',
        title: `single steps/s through a local stdio agent, ${n / 1000}k steps`,
        sides,
        goals: [ratioGoal(remote, sideNamed(sides, DIRECT), 0.5)],
        notes: [
          `stdio agent: \`node bin/pdbg.js serve --stdio\` through connectAgent; ${rtText(rts)} round trips per step (RemoteProcFs.stats(), over the timed loop); each sample a fresh agent and target, connection, attach and a warm-up of ${warmSteps(n)} steps untimed`,
        ],
      },
    ];
  },
};

/**
 * Starts the row's sshd with PDBG_SSH pointing at its key for the duration of `fn` (the chain
 * API and the pdbg processes it spawns both read it), or returns why it cannot.
 */
async function withLoopbackSshd<T>(listen: readonly string[], fn: (sshd: Sshd, env: NodeJS.ProcessEnv) => Promise<T>): Promise<T | { missing: string }> {
  const why = sshdMissing();
  if (why) return { missing: `n/a (${why})` };
  let sshd: Sshd;
  try {
    sshd = await startSshd({ listen, onSpawn: (c) => track(c) });
  } catch (err) {
    return { missing: `n/a (${oneLine(err)})` };
  }
  const saved = process.env.PDBG_SSH;
  process.env.PDBG_SSH = sshd.sshCommand;
  try {
    return await fn(sshd, { ...process.env, PDBG_SSH: sshd.sshCommand });
  } finally {
    if (saved === undefined) delete process.env.PDBG_SSH;
    else process.env.PDBG_SSH = saved;
    sshd.stop();
  }
}

function isMissing(x: unknown): x is { missing: string } {
  return typeof x === 'object' && x !== null && 'missing' in x;
}

export const sshRow: Row = {
  id: 'ssh',
  async run(ctx: BenchContext): Promise<RowResult[]> {
    const n = ctx.quick ? 1_000 : 10_000;
    const title = `µs per single step over a loopback ssh chain, ${n / 1000}k steps`;
    const driver = await loadRemote();
    const stdioRts: number[] = [];
    const sshRts: number[] = [];
    const got = await withLoopbackSshd(['127.0.0.1'], async (sshd) => {
      const text = `${sshd.hop}`;
      if (driver.ok) await driver.value.warmChain(text);
      const defs: SideDef[] = [
        stepSide(driver, STDIO, 'baseline', 'µs/step', () => ({ kind: 'stdio' }), n, stdioRts),
        stepSide(driver, SSH, 'pdbg', 'µs/step', () => ({ kind: 'chain', text }), n, sshRts),
      ];
      return { sides: await measureSides(ctx, defs), text };
    });
    if (isMissing(got)) {
      const why = driver.ok ? got.missing : driver.why;
      return [{ id: 'ssh', title, sides: [missingSide(SSH, why), missingSide(STDIO, why, 'baseline')], goals: [], notes: [] }];
    }
    noteRoundTrips(sideNamed(got.sides, SSH), sshRts);
    noteRoundTrips(sideNamed(got.sides, STDIO), stdioRts);
    return [
      {
        id: 'ssh',
        title,
        sides: got.sides,
        goals: [],
        notes: [
          `the chain \`--via ${got.text}\` (openAgent + remoteProcFs) to a loopback sshd started for this row (ed25519 key, PDBG_SSH); the agent shipped into the far cache before the first sample; each sample a fresh chain and target, connection, attach and a warm-up of ${warmSteps(n)} steps untimed`,
        ],
      },
    ];
  },
};

function missingSide(name: string, why: string, kind: Side['kind'] = 'pdbg'): Side {
  return { name, kind, unit: 'µs/step', better: 'lower', samples: [], median: NaN, note: why };
}

const HOSTS = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'];
const FAN = 'pdbg ps --via ×4 (fan-out)';
const SEQ = '4 × pdbg ps --via, one after another';

export const fanoutRow: Row = {
  id: 'fanout',
  async run(ctx: BenchContext): Promise<RowResult[]> {
    const title = `pdbg ps over 4 loopback ssh hosts, whole command`;
    const got = await withLoopbackSshd(HOSTS, async (sshd, env) => {
      const chains = HOSTS.map((h) => `ssh:root@${h}:${sshd.port}`);
      const ps = (via: readonly string[]) =>
        timeOk(process.execPath, [pdbgBin, 'ps', '-o', 'pid,comm', ...via.flatMap((v) => ['--via', v])], { env, stdout: 'pipe' });
      // Warm: the first chain ships the agent into the far cache; then every chain once, and
      // the fan-out once, each checked to list its host.
      for (const c of chains) ps([c]);
      const fan = ps(chains);
      for (const h of HOSTS) {
        if (!fan.stdout.split('\n').some((l) => l.startsWith(`ssh:root@${h}:`))) throw new Error(`fan-out listed nothing from ${h}`);
      }
      const defs: SideDef[] = [
        { name: SEQ, kind: 'baseline', unit: 's', better: 'lower', sample: async () => chains.reduce((s, c) => s + ps([c]).seconds, 0) },
        { name: FAN, kind: 'pdbg', unit: 's', better: 'lower', sample: async () => ps(chains).seconds },
      ];
      return measureSides(ctx, defs);
    });
    const sides = isMissing(got)
      ? [SEQ, FAN].map((name): Side => ({ name, kind: name === FAN ? 'pdbg' : 'baseline', unit: 's', better: 'lower', samples: [], median: NaN, note: got.missing }))
      : got;
    return [
      {
        id: 'fanout',
        title,
        sides,
        goals: [fasterGoal(sideNamed(sides, FAN), sideNamed(sides, SEQ))],
        notes: [
          `\`pdbg ps -o pid,comm --via ssh:root@127.0.0.N:PORT\` for N = 1..4 (one loopback sshd listening on four addresses); each spawn to exit (Node start-up, ssh handshakes, far agents and the four listings included), stdout piped; the agent was shipped (warm far cache) and every chain run once before the first sample`,
        ],
      },
    ];
  },
};
