/**
 * How an open node file is served, by its row's `content` in the node table (node.ts), never by
 * its name: a new row is served as its row says.
 *
 * - text: read whole at each READ at offset 0, later offsets of that handle from that copy, so
 *   `cat` sees one consistent text and a pread loop at 0 sees the node now. Written, it is one
 *   word (BSD: the whole write is the word, trailing blanks dropped, wherever the offset is).
 * - raw: the struct read anew at each READ (one struct fits one request).
 * - space: offset = address, one source call per request.
 */
import type { FuseCaller } from '../fuse/filesystem.js';
import type { NodeSpec } from '../procfs/node.js';
import type { NodeOptions, ProcFs } from '../procfs/source.js';
import type { ProcStatus } from '../procfs/status.js';
import type { Want } from './access.js';
import type { NodeItem } from './tree.js';

/** One open node file. */
export interface NodeHandle {
  readonly item: NodeItem;
  readonly want: Want;
  /** The target's start time at open: another process under the same pid is not this one. */
  readonly start: string;
  /** The text read at the last READ at offset 0. */
  snapshot?: Buffer;
  /** The callers (`uid:gid:pid`) that passed the checks on this handle, the last few. */
  readonly checked: string[];
}

/** How many callers a handle remembers as checked (a debugger's main thread and its pool's four). */
const CHECKED_KEPT = 8;

export function callerKey(c: FuseCaller): string {
  return `${c.uid}:${c.gid}:${c.pid}`;
}

export function startKey(st: ProcStatus): string {
  return `${st.start.sec},${st.start.usec}`;
}

/** Adds a caller that passed the checks to a handle's few. */
export function rememberChecked(checked: string[], key: string): void {
  checked.push(key);
  if (checked.length > CHECKED_KEPT) checked.shift();
}

/** A writable text node takes a word (ctl, note, notepg). */
export function takesWord(spec: NodeSpec): boolean {
  return spec.content === 'text' && spec.mode.includes('w');
}

/** A READ of `size` bytes at `offset` of an open node, as its row's content says. */
export async function readNode(fs: ProcFs, h: NodeHandle, offset: bigint, size: number): Promise<Buffer> {
  const { pid, tid, spec } = h.item;
  if (spec.content === 'space') {
    const buf = Buffer.allocUnsafe(size);
    const n = await fs.readInto(pid, spec.name, buf, { offset, length: size });
    return n === size ? buf : buf.subarray(0, n);
  }
  const opts: NodeOptions = tid === undefined ? {} : { tid };
  let whole: Buffer;
  if (spec.content === 'text') {
    if (offset === 0n || !h.snapshot) h.snapshot = await fs.read(pid, spec.name, opts);
    whole = h.snapshot;
  } else {
    whole = await fs.read(pid, spec.name, opts);
  }
  if (offset >= BigInt(whole.length)) return Buffer.alloc(0);
  const at = Number(offset);
  return whole.subarray(at, at + size);
}
