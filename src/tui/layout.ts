import type { Region } from './terminal.js';

export type PaneName = 'status' | 'disasm' | 'memory' | 'backtrace' | 'regs' | 'log' | 'cmd' | 'help' | 'popup';

/**
 * Where each pane goes for a terminal size. 80x24 is the floor it is designed for:
 * two status lines, disassembly / memory / backtrace on the left, the 17 general registers on
 * the right, two log lines, the command line and the key bar at the bottom. Bigger terminals
 * give the extra rows to the disassembly and the log.
 */
export function layout(cols: number, rows: number): Record<PaneName, Region> {
  const status = 2;
  const bottom = 2; // command line + key bar
  const log = rows >= 30 ? Math.min(8, 2 + Math.floor((rows - 28) / 3)) : rows >= 20 ? 2 : 1;
  const main = Math.max(3, rows - status - bottom - log);
  const right = cols >= 100 ? Math.min(44, Math.floor(cols * 0.32)) : Math.min(28, Math.max(0, cols - 40));
  const left = cols - right;
  const mem = Math.max(2, Math.min(9, Math.round(main * 0.28)));
  const bt = Math.max(2, Math.min(8, Math.round(main * 0.22)));
  const dis = Math.max(1, main - mem - bt);
  return {
    status: { top: 0, left: 0, width: cols, height: status },
    disasm: { top: status, left: 0, width: left, height: dis },
    memory: { top: status + dis, left: 0, width: left, height: mem },
    backtrace: { top: status + dis + mem, left: 0, width: left, height: main - dis - mem },
    regs: { top: status, left, width: right, height: main },
    log: { top: status + main, left: 0, width: cols, height: log },
    cmd: { top: rows - 2, left: 0, width: cols, height: 1 },
    help: { top: rows - 1, left: 0, width: cols, height: 1 },
    popup: { top: status, left: 0, width: cols, height: main },
  };
}
