/**
 * How a source fills the nodes it reads: FreeBSD's pseudofs gives every node a `filler`
 * callback (`pfs_create_file(dir, "status", procfs_doprocstatus, …)`); a pdbg source gives a
 * record of them, typed by the node table's names, so a new row (a `dbregs` node of hardware
 * watchpoint registers, say) fails to compile in every source that has no filler for it yet.
 *
 * The sources that serve nodes generically need none: a tree reads the file of the row's name,
 * the mounted tree the mount's file, the remote source asks its agent.
 */
import type { NodeName, ReadableNode } from './node.js';
import type { NodeOptions } from './source.js';

/** One read of a node of one process (or thread: `opts.tid`), whole (`mem`: `opts.length` bytes at `opts.offset`). */
export type NodeFiller = (pid: number, opts: NodeOptions) => Promise<Buffer>;

/** A source's fillers for the nodes `N` it reads itself: one each, none missing. */
export type NodeFillers<N extends ReadableNode = ReadableNode> = { readonly [K in N]: NodeFiller };

/** The filler of `node` in `fillers`, or undefined when that source does not fill it. */
export function fillerOf(fillers: Partial<Record<NodeName, NodeFiller>>, node: NodeName): NodeFiller | undefined {
  return Object.hasOwn(fillers, node) ? fillers[node] : undefined;
}
