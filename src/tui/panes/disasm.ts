import type { DisasmLine } from '../../arch/x86-64/disasm.js';
import type { Line, Span } from '../terminal.js';

export interface DisasmView {
  readonly lines: readonly DisasmLine[];
  readonly pc: bigint | undefined;
  readonly breakpoints: ReadonlySet<bigint>;
  /** `tui_tick+4` for an address. */
  readonly where: (addr: bigint) => string | undefined;
  /** Shown instead of code when there is none (running, unreadable memory). */
  readonly note?: string;
}

/**
 * gdb-TUI style: `b` marks a breakpoint, `=>` the next instruction; inside the function named
 * in the title the symbol is shortened to `<+off>`.
 */
export function formatDisasm(v: DisasmView, height: number, width: number): Line[] {
  const pcWhere = v.pc !== undefined ? v.where(v.pc) : undefined;
  const fn = pcWhere?.replace(/\+\d+$/, '');
  const out: Line[] = [[{ text: `disassembly${fn ? `  ${fn}` : ''}`.padEnd(width), style: 'title' }]];
  if (v.note) return [...out, [{ text: v.note, style: 'dim' }]];
  for (const l of v.lines) {
    if (out.length >= height) break;
    const cur = l.address === v.pc;
    const bp = v.breakpoints.has(l.address);
    const w = v.where(l.address);
    const sym = w === undefined ? '' : fn && (w === fn || w.startsWith(`${fn}+`)) ? `<+${w.slice(fn.length + 1) || '0'}>` : `<${w}>`;
    const head: Span = { text: bp ? 'b' : ' ', ...(bp ? { style: 'breakpoint' as const } : {}) };
    const body = `${cur ? '=>' : '  '} 0x${l.address.toString(16)} ${sym.padEnd(7)} ${l.text.replace(/\s+/, ' ')}`;
    out.push([head, { text: cur ? body.padEnd(width - 1) : body, ...(cur ? { style: 'current' as const } : {}) }]);
  }
  return out;
}
