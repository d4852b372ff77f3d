/**
 * `npm run bench`: builds the C baselines, runs each row's sides in alternating rounds on this
 * machine, and prints one table (or `--json`) with medians, ratios and the goals of issue 5.
 * Progress goes to stderr; the table to stdout. Every process started is ended (procs.ts), and
 * no target is left traced: each side detaches, and its target is killed after.
 */
import { parseBenchArgs, USAGE } from './args.js';
import { buildAllC } from './build.js';
import { describeMachine } from './machine.js';
import { installCleanup, killAllStarted } from './procs.js';
import type { RowResult } from './result.js';
import { oneLine } from './rounds.js';
import type { BenchContext, Row, RowId } from './row.js';
import { backtraceRow } from './rows/backtrace.js';
import { breakpointRow } from './rows/breakpoint.js';
import { emulatedRow } from './rows/emulated.js';
import { listingRow } from './rows/listing.js';
import { memRow } from './rows/mem.js';
import { mountRow } from './rows/mount.js';
import { fuseRow } from './rows/fuse.js';
import { fanoutRow, remoteRow, sshRow } from './rows/remote.js';
import { snapshotRow } from './rows/snapshot.js';
import { startupRow } from './rows/startup.js';
import { stepRow } from './rows/step.js';
import { traceRow } from './rows/trace.js';
import { tuiRow } from './rows/tui.js';
import { machineLine, resultsTable } from './table.js';
import { toJsonText } from './json.js';

const ROWS: Record<RowId, Row> = {
  step: stepRow,
  breakpoint: breakpointRow,
  emulated: emulatedRow,
  trace: traceRow,
  backtrace: backtraceRow,
  mem: memRow,
  listing: listingRow,
  snapshot: snapshotRow,
  startup: startupRow,
  tui: tuiRow,
  remote: remoteRow,
  ssh: sshRow,
  fanout: fanoutRow,
  mount: mountRow,
  fuse: fuseRow,
};

async function main(argv: string[]): Promise<number> {
  let opts;
  try {
    opts = parseBenchArgs(argv);
  } catch (err) {
    process.stderr.write(`bench: ${oneLine(err)}\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  installCleanup();
  const log = (line: string) => process.stderr.write(line + '\n');
  const machine = describeMachine();
  if (process.getuid?.() !== 0) log('bench: not root: the ptrace rows need root (or ptrace_scope 0) and may fail');
  const ctx: BenchContext = { quick: opts.quick, rounds: opts.rounds, log, bins: buildAllC() };
  const t0 = Date.now();
  const results: RowResult[] = [];
  for (const id of opts.only) {
    log(`bench: ${id}`);
    try {
      results.push(...(await ROWS[id].run(ctx)));
    } catch (err) {
      log(`bench: row ${id} failed: ${oneLine(err)}`);
      results.push({ id, title: id, sides: [], goals: [], notes: [`failed: ${oneLine(err)}`] });
    } finally {
      killAllStarted();
    }
  }
  const seconds = (Date.now() - t0) / 1000;
  if (opts.json) {
    process.stdout.write(toJsonText({ machine, quick: opts.quick, rounds: opts.rounds, seconds, rows: results }) + '\n');
  } else {
    const notes = results.flatMap((r) => r.notes.map((n) => `- ${r.id}: ${n}`));
    process.stdout.write(
      `${machineLine(machine)}\n${opts.quick ? 'QUICK RUN (smoke test: small counts, not for the README)\n' : ''}` +
        `${opts.rounds} alternating rounds per row, medians; ${seconds.toFixed(0)} s in all\n\n` +
        resultsTable(results) +
        (notes.length ? `\n${notes.join('\n')}\n` : ''),
    );
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
