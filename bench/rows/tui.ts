/**
 * TUI: key press to redrawn screen, over 200 single steps of `pdbg attach PID` in a real
 * terminal (a private tmux server). The TUI's own trace hook (env PDBG_TUI_TRACE=FILE) appends
 * one line per handled key, `KEY_MS RENDER_MS`: when the key arrived and when the redrawn screen
 * was written, both from the TUI process's clock, so tmux's and this process's delays are not in
 * the number. Keys are sent one at a time, each after the previous step's redraw, as a person
 * pressing the step key would. Ten untimed steps first (V8 compiles the path, the panes fill
 * their caches); then `steps` measured ones. Reports p50 and p95.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { notBuilt } from '../drivers/load.js';
import { boundGoal } from '../goals.js';
import { distSrc, pdbgBin } from '../paths.js';
import type { RowResult, Side } from '../result.js';
import type { BenchContext, Row } from '../row.js';
import { percentile } from '../stats.js';
import { withHot } from '../target.js';
import { Tmux } from '../tmux.js';

const TUI = 'pdbg attach, step key';
/** The TUI's single-step key (its key bar). */
const STEP_KEY = 's';
const TRACE_ENV = 'PDBG_TUI_TRACE';

export const tuiRow: Row = {
  id: 'tui',
  async run(ctx: BenchContext): Promise<RowResult[]> {
    const steps = ctx.quick ? 50 : 200;
    const title = `TUI key → redrawn screen, ${steps} steps`;
    let side: Side;
    if (!existsSync(join(distSrc, 'cli/commands/attach.js'))) {
      side = { name: TUI, kind: 'pdbg', unit: 'ms', better: 'lower', samples: [], median: NaN, note: notBuilt('cli/commands/attach') };
    } else {
      try {
        const samples = await withHot('step', (t) => stepLatencies(t.pid, steps, ctx));
        const p50 = percentile(samples, 50);
        side = { name: TUI, kind: 'pdbg', unit: 'ms', better: 'lower', samples, median: p50, extra: { p50, p95: percentile(samples, 95) } };
      } catch (err) {
        side = { name: TUI, kind: 'pdbg', unit: 'ms', better: 'lower', samples: [], median: NaN, note: `failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` };
      }
    }
    const p95 = side.extra?.p95 ?? NaN;
    return [{ id: 'tui', title, sides: [side], goals: [boundGoal(side, 'p95', p95, '<', 16, 'ms')], notes: [] }];
  },
};

/** Latencies in ms of `steps` step keys, from the trace file the TUI writes. */
async function stepLatencies(pid: number, steps: number, ctx: BenchContext): Promise<number[]> {
  const trace = join(tmpdir(), `pdbg-bench-tui-${process.pid}.trace`);
  rmSync(trace, { force: true });
  const tmux = new Tmux();
  try {
    tmux.start([process.execPath, pdbgBin, 'attach', String(pid)], { [TRACE_ENV]: trace });
    await tmux.waitFor(/rip/);
    const warm = 10;
    for (let i = 1; i <= warm; i++) {
      tmux.sendKeys(STEP_KEY);
      await until(() => traceLines(trace).length >= i, 5_000, `no trace line for warm-up step ${i} in ${trace}`);
    }
    const base = traceLines(trace).length;
    for (let i = 1; i <= steps; i++) {
      tmux.sendKeys(STEP_KEY);
      await until(() => traceLines(trace).length >= base + i, 5_000, `no trace line for step ${i} in ${trace}`);
    }
    const lat = traceLines(trace).slice(base).map(parseTraceLine);
    ctx.log(`  tui: ${lat.length} steps traced`);
    tmux.sendKeys('q');
    return lat;
  } finally {
    tmux.kill();
    rmSync(trace, { force: true });
  }
}

function traceLines(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '');
  } catch {
    return [];
  }
}

/** `KEY_MS RENDER_MS …` → RENDER_MS − KEY_MS. */
export function parseTraceLine(line: string): number {
  const [k, r] = line.trim().split(/\s+/).map(Number);
  if (!Number.isFinite(k) || !Number.isFinite(r)) throw new Error(`tui trace: malformed line ${JSON.stringify(line)}`);
  return r! - k!;
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`tui: ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}
