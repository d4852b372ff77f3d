/**
 * The benchmark's pure helpers: statistics, alternation, goals, table and argument parsing, the
 * C baselines' result line and the generated snapshot. No timing is asserted here: numbers are
 * the benchmark's job (`npm run bench`).
 */
import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../bench/args.js';
import { parseCResult } from '../bench/c-result.js';
import { gdbBacktraceCommands, gdbBreakContinue, gdbStepi, parseGdbFrames, parseGdbNs } from '../bench/gdb.js';
import { boundGoal, fasterGoal, ratioGoal } from '../bench/goals.js';
import { toJsonText } from '../bench/json.js';
import type { Side } from '../bench/result.js';
import { alternate, roundOrder } from '../bench/rounds.js';
import { JAIL_HOSTNAMES, syntheticStatuses } from '../bench/snapshot-tree.js';
import { median, percentile, perSecond, speedRatio } from '../bench/stats.js';
import { parseTraceLine } from '../bench/rows/tui.js';
import { compact, formatGoal, formatTarget, formatValue, markdownTable, resultsTable } from '../bench/table.js';
import { formatStatus, parseStatus } from '../src/procfs/status.js';

const side = (name: string, kind: Side['kind'], median: number, unit = 'steps/s', better: Side['better'] = 'higher'): Side => ({
  name, kind, unit, better, samples: [median], median,
});

describe('stats', () => {
  it('median of odd and even counts, unsorted input left alone', () => {
    const xs = [5, 1, 3];
    expect(median(xs)).toBe(3);
    expect(xs).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('percentiles interpolate between closest ranks', () => {
    const xs = Array.from({ length: 101 }, (_, i) => i); // 0..100
    expect(percentile(xs, 95)).toBe(95);
    expect(percentile([10, 20], 95)).toBeCloseTo(19.5);
    expect(percentile([7], 95)).toBe(7);
    expect(() => percentile(xs, 101)).toThrow(RangeError);
  });

  it('speedRatio is "times better" for rates and for times', () => {
    expect(speedRatio(45, 50, 'higher')).toBeCloseTo(0.9);
    expect(speedRatio(0.2, 0.3, 'lower')).toBeCloseTo(1.5);
    expect(speedRatio(NaN, 1, 'higher')).toBeNaN();
    expect(speedRatio(1, 0, 'higher')).toBeNaN();
  });

  it('perSecond', () => {
    expect(perSecond(100_000, 2.5e9)).toBe(40_000);
    expect(perSecond(1, 0)).toBeNaN();
  });
});

describe('alternating rounds', () => {
  it('rotates the order each round so every side goes first once', () => {
    expect(roundOrder(['C', 'pdbg', 'gdb'], 0)).toEqual(['C', 'pdbg', 'gdb']);
    expect(roundOrder(['C', 'pdbg', 'gdb'], 1)).toEqual(['pdbg', 'gdb', 'C']);
    expect(roundOrder(['C', 'pdbg', 'gdb'], 5)).toEqual(['gdb', 'C', 'pdbg']);
    expect(roundOrder([], 3)).toEqual([]);
  });

  it('collects a sample per round per side, in rotated order; a failing side stops, the others go on', async () => {
    const calls: string[] = [];
    let b = 0;
    const out = await alternate(
      [
        { name: 'a', sample: async () => (calls.push('a'), 1) },
        { name: 'b', sample: async () => { calls.push('b'); if (++b === 2) throw new Error('boom\nstack'); return 2; } },
      ],
      3,
    );
    expect(calls).toEqual(['a', 'b', 'b', 'a', 'a']);
    expect(out.get('a')).toEqual({ samples: [1, 1, 1] });
    expect(out.get('b')).toEqual({ samples: [2], error: 'boom' });
  });
});

describe('goals', () => {
  it('ratio goals compare medians in "times better" terms', () => {
    const g = ratioGoal(side('pdbg', 'pdbg', 36_000), side('C', 'baseline', 40_000), 0.9);
    expect(g.value).toBeCloseTo(0.9);
    expect(g.met).toBe(true);
    expect(ratioGoal(side('pdbg', 'pdbg', 30_000), side('C', 'baseline', 40_000), 0.9).met).toBe(false);
    expect(ratioGoal(side('pdbg', 'pdbg', NaN), side('C', 'baseline', 40_000), 0.9).met).toBeNull();
  });

  it('"faster than" for times means a smaller median', () => {
    expect(fasterGoal(side('pdbg ps', 'pdbg', 0.2, 's', 'lower'), side('ps', 'baseline', 0.33, 's', 'lower')).met).toBe(true);
    expect(fasterGoal(side('pdbg ps', 'pdbg', 0.4, 's', 'lower'), side('ps', 'baseline', 0.33, 's', 'lower')).met).toBe(false);
  });

  it('bound goals', () => {
    const s = side('tui', 'pdbg', 5, 'ms', 'lower');
    expect(boundGoal(s, 'p95', 15.9, '<', 16, 'ms').met).toBe(true);
    expect(boundGoal(s, 'p95', 16, '<', 16, 'ms').met).toBe(false);
    expect(boundGoal(s, 'procs/s', 100_000, '>=', 100_000, 'procs/s').met).toBe(true);
  });
});

describe('table', () => {
  it('formats values short, in their unit', () => {
    expect(formatValue(38_123, 'steps/s')).toBe('38.1k steps/s');
    expect(formatValue(1_234_567, 'procs/s')).toBe('1.23M procs/s');
    expect(formatValue(1.984, 'GB/s')).toBe('1.98 GB/s');
    expect(formatValue(0.33149, 's')).toBe('0.331 s');
    expect(formatValue(4.2149, 'ms')).toBe('4.21 ms');
    expect(formatValue(NaN, 's')).toBe('n/a');
    expect(compact(950)).toBe('950');
    expect(formatTarget(100_000, 'procs/s')).toBe('100k procs/s');
    expect(formatTarget(16, 'ms')).toBe('16 ms');
  });

  it('a goal cell says what, how much, the requirement and whether it is met', () => {
    const g = ratioGoal(side('pdbg', 'pdbg', 36_000), side('C ptrace loop', 'baseline', 40_000), 0.9);
    expect(formatGoal(g)).toBe('vs C ptrace loop: 0.90× (≥ 0.9×) ✓');
    expect(formatGoal(boundGoal(side('t', 'pdbg', NaN, 'ms'), 'p95', NaN, '<', 16, 'ms'))).toBe('p95: n/a (< 16 ms) –');
  });

  it('a Markdown table with padded columns and escaped pipes', () => {
    const t = markdownTable(['a', 'bb'], [['x|y', '1'], ['z', '22222']]);
    const lines = t.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^\|-+\|-+\|$/);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    expect(lines[2]).toContain('x\\|y');
  });

  it('a missing pdbg side prints its reason, not a number', () => {
    const missing: Side = { name: 'Session.stepN', kind: 'pdbg', unit: 'steps/s', better: 'higher', samples: [], median: NaN, note: 'n/a (not built)' };
    const t = resultsTable([{ id: 'step', title: 'steps', sides: [missing, side('C', 'baseline', 40_000)], goals: [], notes: [] }]);
    expect(t).toContain('Session.stepN: n/a (not built)');
    expect(t).toContain('C: 40.0k steps/s');
  });

  it('JSON turns NaN into null and bigints into 0x…', () => {
    expect(JSON.parse(toJsonText({ a: NaN, b: 255n, c: 1.5 }))).toEqual({ a: null, b: '0xff', c: 1.5 });
  });
});

describe('bench arguments', () => {
  it('defaults, --quick, --only lists in table order, --rounds', () => {
    expect(parseBenchArgs([])).toMatchObject({ json: false, quick: false, rounds: 5 });
    expect(parseBenchArgs([]).only).toHaveLength(15);
    expect(parseBenchArgs(['--quick'])).toMatchObject({ quick: true, rounds: 2 });
    expect(parseBenchArgs(['--only', 'mem,step', '--only', 'tui']).only).toEqual(['step', 'mem', 'tui']);
    expect(parseBenchArgs(['--only', 'fanout,remote,ssh']).only).toEqual(['remote', 'ssh', 'fanout']);
    expect(parseBenchArgs(['--only', 'mount,mem']).only).toEqual(['mem', 'mount']);
    expect(parseBenchArgs(['--rounds', '3', '--json'])).toMatchObject({ rounds: 3, json: true });
  });

  it('rejects unknown rows, bad rounds and unknown flags with one line', () => {
    expect(() => parseBenchArgs(['--only', 'nope'])).toThrow(/unknown row 'nope'/);
    expect(() => parseBenchArgs(['--rounds', '0'])).toThrow(/--rounds/);
    expect(() => parseBenchArgs(['--fast'])).toThrow();
  });
});

describe('C baseline result line', () => {
  it('parses the last line', () => {
    expect(parseCResult('noise\n{"ops":100000,"bytes":0,"ns":2450425912}\n')).toEqual({ ops: 100000, bytes: 0, ns: 2450425912 });
  });
  it('rejects a missing or malformed line', () => {
    expect(() => parseCResult('')).toThrow(/no result line/);
    expect(() => parseCResult('{"ops":1}')).toThrow(/malformed/);
    expect(() => parseCResult('{"ops":1,"bytes":0,"ns":0}')).toThrow(/malformed/);
  });
});

describe('gdb timing line', () => {
  it('finds the nanoseconds gdb printed among its other output', () => {
    expect(parseGdbNs('0x000055d0 in main ()\nPDBG_BENCH_NS 3212000111\n[Inferior 1 (process 5) detached]\n')).toBe(3212000111);
    expect(() => parseGdbNs('Python scripting is not supported in this copy of GDB.\n')).toThrow(/no timing line/);
  });
  it('scripts: stepi N is N ops; ignore N + continue is N+1 hits', () => {
    expect(gdbStepi(20_000)).toEqual({ setup: [], timed: 'stepi 20000', ops: 20_000 });
    expect(gdbBreakContinue('hot_fn', 5000)).toEqual({ setup: ['break hot_fn', 'ignore 1 5000'], timed: 'continue', ops: 5001 });
  });
  it('backtrace script: flushes before every bt, counts the frames, prints the median of the timed ones', () => {
    const cmds = gdbBacktraceCommands(200, 5);
    expect(cmds.every((c) => c.startsWith('python '))).toBe(true);
    expect(cmds.some((c) => c.includes('range(5)'))).toBe(true);
    const timed = cmds.find((c) => c.includes('range(200)'))!;
    expect(timed.indexOf('maintenance flush register-cache')).toBeLessThan(timed.indexOf("'bt'"));
    expect(cmds.at(-1)).toContain('PDBG_BENCH_NS');
    expect(parseGdbFrames('#0 x\nPDBG_BENCH_FRAMES 31\nPDBG_BENCH_NS 812345\n')).toBe(31);
    expect(() => parseGdbFrames('PDBG_BENCH_NS 1\n')).toThrow(/no frame count/);
  });
});

describe('TUI trace line', () => {
  it('is KEY_MS RENDER_MS; the latency is their difference', () => {
    expect(parseTraceLine('1763905000123.250 1763905000127.750\n')).toBeCloseTo(4.5);
    expect(() => parseTraceLine('garbage')).toThrow(/malformed/);
  });
});

describe('generated snapshot', () => {
  const all = syntheticStatuses(1000);

  it('has the asked count, unique ascending pids, and consistent sessions and groups', () => {
    expect(all).toHaveLength(1000);
    const pids = all.map((s) => s.pid);
    expect(new Set(pids).size).toBe(1000);
    const byPid = new Map(all.map((s) => [s.pid, s]));
    for (const s of all) {
      expect(byPid.get(s.sid)?.sid).toBe(s.sid); // the session leader exists and leads itself
      expect(byPid.get(s.pgid)?.sid).toBe(s.sid); // the group leader is in the same session
      expect(s.flags.sldr).toBe(s.pid === s.sid);
    }
  });

  it('spreads processes over the host and every jail', () => {
    const jails = new Set(all.map((s) => s.jail));
    expect([...jails].sort()).toEqual([...JAIL_HOSTNAMES].sort());
  });

  it('every line pdbg formats for it parses back to the same fields', () => {
    for (const s of all.slice(0, 200)) {
      const line = formatStatus(s);
      const back = parseStatus(line);
      expect(back.pid).toBe(s.pid);
      expect(back.sid).toBe(s.sid);
      expect(back.jail).toBe(s.jail);
      expect(Buffer.from(back.comm).toString('latin1')).toBe(Buffer.from(s.comm).toString('latin1'));
    }
  });
});
