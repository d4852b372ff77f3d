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

/** Who may do what with a node (the FUSE mount's file modes come from here). */
export type NodeMode = 'r' | 'w' | 'rw';

/** One row of the node table: everything a source, a snapshot or a mount needs to know of a node. */
export interface NodeSpec {
  readonly name: NodeName;
  readonly mode: NodeMode;
  /** `thread`: also under `task/TID/` with a thread's own content (registers, status) or effect (ctl: `step` of that thread). */
  readonly scope: 'process' | 'thread';
  /** BSD's `file` is a symbolic link; the rest are regular files. */
  readonly type: 'file' | 'link';
  /** Served by the tracer (ptrace) on Linux, not synthesized from /proc text. */
  readonly control: boolean;
  /** Copied into a snapshot (the nodes a listing or a post-mortem reads). */
  readonly snapshot: boolean;
  /**
   * The most bytes one whole read returns, by what a kernel can write there: status holds up to
   * 65,536 supplementary groups (~720 KB); cmdline argv plus environment (6 MiB on Linux); map
   * and maps vm.max_map_count (65,530) lines of ~256 bytes. A `mem` read is bounded by its caller.
   */
  readonly cap: number;
  /** Owner-or-root only (BSD p_candebug): the target's memory, registers and control. */
  readonly privileged: boolean;
  /**
   * What the bytes are, which decides how a file server (the FUSE mount) serves them:
   * - `text`: made whole at once (or a link's target). A handle reads it whole at offset 0 and
   *   later offsets from that copy, so `cat` sees one consistent text; written, it is one word
   *   (ctl, note, notepg: BSD takes the whole write as the word, wherever the offset is).
   * - `raw`: a binary struct (regs, fpregs), read anew at every read, written at an offset.
   * - `space`: an address space (mem): offset = address, one source call per request.
   */
  readonly content: NodeContent;
}

export type NodeContent = 'text' | 'raw' | 'space';

/** The nodes a read can ask for (the rest are write-only: a word's destination). */
export type ReadableNode = Exclude<NodeName, 'ctl' | 'note' | 'notepg'>;

const K = 1 << 10;
const M = 1 << 20;

/** The procfs of one process, in FreeBSD's order, then pdbg's extensions. */
export const NODE_TABLE: readonly NodeSpec[] = [
  { name: 'status', mode: 'r', scope: 'thread', type: 'file', control: false, snapshot: true, cap: 1 * M, privileged: false, content: 'text' },
  { name: 'cmdline', mode: 'r', scope: 'process', type: 'file', control: false, snapshot: true, cap: 8 * M, privileged: false, content: 'text' },
  { name: 'file', mode: 'r', scope: 'process', type: 'link', control: false, snapshot: true, cap: 64 * K, privileged: false, content: 'text' },
  { name: 'map', mode: 'r', scope: 'process', type: 'file', control: false, snapshot: true, cap: 16 * M, privileged: false, content: 'text' },
  { name: 'etype', mode: 'r', scope: 'process', type: 'file', control: false, snapshot: true, cap: 64 * K, privileged: false, content: 'text' },
  { name: 'ctl', mode: 'w', scope: 'thread', type: 'file', control: true, snapshot: false, cap: 64 * K, privileged: true, content: 'text' },
  { name: 'mem', mode: 'rw', scope: 'process', type: 'file', control: true, snapshot: false, cap: 16 * M, privileged: true, content: 'space' },
  { name: 'regs', mode: 'rw', scope: 'thread', type: 'file', control: true, snapshot: false, cap: 64 * K, privileged: true, content: 'raw' },
  { name: 'fpregs', mode: 'rw', scope: 'thread', type: 'file', control: true, snapshot: false, cap: 64 * K, privileged: true, content: 'raw' },
  { name: 'note', mode: 'w', scope: 'process', type: 'file', control: true, snapshot: false, cap: 64 * K, privileged: true, content: 'text' },
  { name: 'notepg', mode: 'w', scope: 'process', type: 'file', control: true, snapshot: false, cap: 64 * K, privileged: true, content: 'text' },
  { name: 'why', mode: 'r', scope: 'process', type: 'file', control: true, snapshot: false, cap: 64 * K, privileged: true, content: 'text' },
  { name: 'jail', mode: 'r', scope: 'process', type: 'file', control: false, snapshot: true, cap: 64 * K, privileged: false, content: 'text' },
  { name: 'maps', mode: 'r', scope: 'process', type: 'file', control: false, snapshot: false, cap: 16 * M, privileged: false, content: 'text' },
];

const BY_NAME = new Map<string, NodeSpec>(NODE_TABLE.map((n) => [n.name, n]));

/** The row of a node. */
export function nodeSpec(name: NodeName): NodeSpec {
  return BY_NAME.get(name)!;
}

export const NODE_NAMES: readonly NodeName[] = NODE_TABLE.map((n) => n.name);

export function isNodeName(s: string): s is NodeName {
  return BY_NAME.has(s);
}
