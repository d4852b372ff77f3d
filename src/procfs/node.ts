/**
 * The files of one process directory (FreeBSD `sys/fs/procfs/procfs.c`), plus pdbg's
 * extensions. See ../shared/spec/procfs.md §1.
 */
export type NodeName =
  | 'status'   // r: one line, FreeBSD format (status.ts)
  | 'cmdline'  // r: argv joined by NUL
  | 'file'     // r: path of the executable (BSD: a link)
  | 'map'      // r: one line per mapping (map.ts)
  | 'etype'    // r: executable type name
  | 'ctl'      // w: control words (ctl.ts)
  | 'mem'      // rw: address space at offset = address (mem.ts)
  | 'regs'     // rw: raw register set (regs.ts)
  | 'fpregs'   // rw: raw floating-point register set
  | 'note'     // w: a signal name, delivered to the process (note.ts)
  | 'notepg'   // w: a signal name, delivered to its process group
  | 'why'      // r, pdbg: why the traced target last stopped (why.ts)
  | 'jail'     // r, pdbg: `JID HOSTNAME` of the process's jail (jail.ts)
  | 'maps';    // r, pdbg Linux: /proc/PID/maps as Linux writes it (offsets and inodes, for symbols)

export const NODE_NAMES: readonly NodeName[] = [
  'status', 'cmdline', 'file', 'map', 'etype', 'ctl', 'mem', 'regs', 'fpregs', 'note', 'notepg', 'why', 'jail', 'maps',
];

export function isNodeName(s: string): s is NodeName {
  return (NODE_NAMES as readonly string[]).includes(s);
}
