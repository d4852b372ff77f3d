import type { Backtrace } from '../../debugger/backtrace.js';
import type { Line } from '../terminal.js';

/** `mainModule`: the executable's path, whose frames need no `(file)` suffix. */
export function formatBacktrace(bt: Backtrace | undefined, height: number, width: number, mainModule = '', absent = 'target running'): Line[] {
  const out: Line[] = [[{ text: 'backtrace (frame pointers)'.padEnd(width), style: 'title' }]];
  if (!bt) return [...out, [{ text: absent, style: 'dim' }]];
  const room = bt.note ? height - 1 : height;
  for (const f of bt.frames) {
    if (out.length >= room) break;
    const lib = f.module && mainModule && f.module !== mainModule ? `  (${f.module.replace(/.*\//, '')})` : '';
    out.push(`#${f.index} 0x${f.pc.toString(16)} ${f.where ?? '??'}${lib}`);
  }
  if (bt.note) out.push([{ text: bt.note, style: 'dim' }]);
  return out;
}
