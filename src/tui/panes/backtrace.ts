import { frameWhere, type StackFrame } from '../../engine/stack.js';
import type { Line } from '../terminal.js';

/**
 * The call stack, innermost first; `>` marks the selected frame (`up`/`down`). `mainModule`:
 * the executable's path, whose frames need no `(file)` suffix. A frame found by the frame
 * pointer rather than CFI says so.
 */
export function formatBacktrace(frames: readonly StackFrame[] | undefined, height: number, width: number, mainModule = '', absent = 'target running', selected = 0): Line[] {
  const out: Line[] = [[{ text: 'backtrace'.padEnd(width), style: 'title' }]];
  if (!frames) return [...out, [{ text: absent, style: 'dim' }]];
  for (const f of frames) {
    if (out.length >= height) break;
    const lib = f.symbol && f.module && f.module !== mainModule ? `  (${f.module.replace(/.*\//, '')})` : '';
    const how = f.how === 'fp' ? '  [frame pointer]' : '';
    const text = `${f.index === selected ? '>' : ' '}#${f.index} 0x${f.pc.toString(16)} ${frameWhere(f)}${lib}${f.signalFrame ? ' <signal handler>' : ''}${how}`;
    out.push(f.index === selected && selected > 0 ? [{ text, style: 'current' }] : text);
  }
  return out;
}
