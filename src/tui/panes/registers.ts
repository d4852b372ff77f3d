import type { Line } from '../terminal.js';

/** General registers first, in the order gdb's `info registers` and dashboards use. */
export const REGISTER_ORDER = [
  'rip', 'rsp', 'rbp', 'rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi',
  'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15',
  'eflags', 'cs', 'ss', 'fs_base', 'gs_base', 'orig_rax', 'ds', 'es', 'fs', 'gs',
] as const;

const FLAGS: [number, string][] = [[0, 'CF'], [2, 'PF'], [4, 'AF'], [6, 'ZF'], [7, 'SF'], [8, 'TF'], [9, 'IF'], [10, 'DF'], [11, 'OF']];

/** `[ ZF PF IF ]` as gdb prints eflags. */
export function flagNames(v: bigint): string {
  return `[ ${FLAGS.filter(([bit]) => (v >> BigInt(bit)) & 1n).map(([, n]) => n).reverse().join(' ')} ]`;
}

/** Registers whose value differs from the previous stop's. */
export function changedRegisters(now: Readonly<Record<string, bigint>>, before: Readonly<Record<string, bigint>> | undefined): Set<string> {
  const out = new Set<string>();
  if (!before) return out;
  for (const [k, v] of Object.entries(now)) if (before[k] !== v) out.add(k);
  return out;
}

/**
 * The register pane: a title, then `name value` lines; a changed register is marked `*` and
 * highlighted (the mark keeps it visible on monochrome terminals and in screen captures).
 */
export function formatRegisters(regs: Readonly<Record<string, bigint>> | undefined, changed: ReadonlySet<string>, height: number, width: number, absent = 'target running'): Line[] {
  const title: Line = [{ text: 'registers'.padEnd(width), style: 'title' }];
  if (!regs) return [title, [{ text: absent, style: 'dim' }]];
  const out: Line[] = [title];
  const names = REGISTER_ORDER.filter((n) => n in regs);
  // One space at least between the longest name (`orig_rax`, `fs_base`) and its value.
  const nameWidth = Math.max(...names.map((n) => n.length)) + 1;
  for (const n of names) {
    if (out.length >= height) break;
    const v = regs[n]!;
    const hex = `0x${v.toString(16).padStart(16, '0')}`;
    const extra = n === 'eflags' && width >= 1 + nameWidth + hex.length + 12 ? ` ${flagNames(v)}` : '';
    const mark = changed.has(n) ? '*' : ' ';
    out.push([{ text: `${mark}${n.padEnd(nameWidth)}${hex}${extra}`, ...(changed.has(n) ? { style: 'changed' as const } : {}) }]);
  }
  return out;
}
