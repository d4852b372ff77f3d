import type { Goal, RowResult, Side } from './result.js';
import type { Machine } from './machine.js';

/**
 * The one table `npm run bench` prints: a Markdown pipe table (so the README can take it as is)
 * with padded columns (so a terminal can read it too).
 */

const RATE_UNITS = new Set(['steps/s', 'hits/s', 'procs/s', 'ops/s']);

/** A number in its unit, short: `38.1k steps/s`, `1.98 GB/s`, `0.331 s`, `4.21 ms`. */
export function formatValue(v: number, unit: string): string {
  if (!Number.isFinite(v)) return 'n/a';
  if (RATE_UNITS.has(unit)) return `${compact(v)} ${unit}`;
  if (unit === 'GB/s') return `${v.toFixed(2)} ${unit}`;
  return `${sig3(v)} ${unit}`;
}

/** A goal's threshold as written in the issue: `100k procs/s`, `16 ms`, `0.9`. */
export function formatTarget(v: number, unit: string): string {
  return RATE_UNITS.has(unit) ? `${compact(v)} ${unit}` : `${v} ${unit}`;
}

/** 38123 → `38.1k`, 1234567 → `1.23M`, 950 → `950`. */
export function compact(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${sig3(v / 1e6)}M`;
  if (a >= 1e3) return `${sig3(v / 1e3)}k`;
  return sig3(v);
}

/** Three significant digits without exponent notation: 0.00412 → `0.00412`, 38.12 → `38.1`. */
export function sig3(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  const decimals = Math.max(0, 2 - Math.floor(Math.log10(a)));
  return v.toFixed(decimals);
}

export function formatSide(s: Side): string {
  if (s.note && !Number.isFinite(s.median)) return `${s.name}: ${s.note}`;
  let text = `${s.name}: ${formatValue(s.median, s.unit)}`;
  if (s.extra) {
    const parts = Object.entries(s.extra).map(([k, v]) => `${k} ${formatValue(v, s.unit)}`);
    text = `${s.name}: ${parts.join(', ')}`;
  }
  return s.note ? `${text} (${s.note})` : text;
}

export function formatGoal(g: Goal): string {
  const mark = g.met === null ? '–' : g.met ? '✓' : '✗';
  const v = !Number.isFinite(g.value) ? 'n/a' : g.kind === 'ratio' ? `${g.value.toFixed(2)}×` : formatValue(g.value, g.unit);
  return `${g.label}: ${v} (${g.requirement}) ${mark}`;
}

/** Table cells per result: row title, pdbg sides, baselines, goals. */
export function tableCells(r: RowResult): string[] {
  const pdbg = r.sides.filter((s) => s.kind === 'pdbg').map(formatSide);
  const base = r.sides.filter((s) => s.kind === 'baseline').map(formatSide);
  const goals = r.goals.map(formatGoal);
  return [r.title, pdbg.join('; ') || '—', base.join('; ') || '—', goals.join('; ') || '—'];
}

/** A Markdown pipe table with every column padded to its widest cell. */
export function markdownTable(header: string[], rows: string[][]): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|');
  const all = [header, ...rows].map((r) => r.map(esc));
  const widths = header.map((_, i) => Math.max(3, ...all.map((r) => [...(r[i] ?? '')].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c + ' '.repeat(widths[i]! - [...c].length)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(all[0]!), rule, ...all.slice(1).map(line)].join('\n') + '\n';
}

export function resultsTable(results: readonly RowResult[]): string {
  return markdownTable(['row', 'pdbg', 'baseline(s), same run', 'goal'], results.map(tableCells));
}

export function machineLine(m: Machine): string {
  return `machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, Linux ${m.kernel}, Node ${m.node}, load ${m.load.map((l) => l.toFixed(2)).join(' ')} (${m.date})`;
}
