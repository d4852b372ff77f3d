/**
 * The shape of the mounted tree, from the node table alone: which names a directory holds and
 * what each is (inodes.ts numbers them, procfs-fs.ts answers for them).
 *
 *   /            curproc (a link to the caller's own directory), one directory per process
 *   /PID/        every node of the table, task/, root/ and map_files/
 *   /PID/task/TID/   the table's thread-scoped nodes (status, regs, fpregs)
 */
import type { FuseFileType } from '../fuse/filesystem.js';
import { ProcfsError } from '../procfs/errors.js';
import { isNodeName, NODE_TABLE, nodeSpec, type NodeSpec } from '../procfs/node.js';
import { encodableId, type Item } from './inodes.js';
import type { TargetFileItem } from './target-files.js';

/** What an inode number names: a path of the table, or a target-file name. */
export type AnyItem = Item | TargetFileItem;

export type NodeItem = Extract<Item, { kind: 'node' }>;

/** Directories of the target's files: the owner's (or root's) only, as /proc/PID/root is. */
export const FILES_DIR_PERM = 0o500;
export const FILE_PERM = 0o400;

/** A process directory has every node; a thread's, the thread-scoped ones. */
export const PROCESS_NODES: readonly NodeSpec[] = NODE_TABLE;
export const THREAD_NODES: readonly NodeSpec[] = NODE_TABLE.filter((n) => n.scope === 'thread');

/** The child `name` of directory `parent`, by the table; undefined when there is no such name. */
export function childOf(parent: AnyItem, name: string): Item | undefined {
  const id = /^[1-9][0-9]*$/.test(name) ? Number(name) : undefined;
  switch (parent.kind) {
    case 'root':
      if (name === 'curproc') return { kind: 'curproc' };
      return id !== undefined && encodableId(id) ? { kind: 'proc', pid: id } : undefined;
    case 'proc':
      if (name === 'task') return { kind: 'task', pid: parent.pid };
      if (name === 'root' || name === 'map_files') return { kind: 'files', pid: parent.pid, which: name };
      return isNodeName(name) ? { kind: 'node', pid: parent.pid, spec: nodeSpec(name) } : undefined;
    case 'task':
      return id !== undefined && encodableId(id) ? { kind: 'thread', pid: parent.pid, tid: id } : undefined;
    case 'thread':
      if (!isNodeName(name)) return undefined;
      return nodeSpec(name).scope === 'thread' ? { kind: 'node', pid: parent.pid, tid: parent.tid, spec: nodeSpec(name) } : undefined;
    default:
      return undefined;
  }
}

export function typeOf(item: AnyItem): FuseFileType {
  if (item.kind === 'curproc') return 'link';
  if (item.kind === 'tfile') return item.dir ? 'dir' : 'file';
  if (item.kind === 'node') return item.spec.type === 'link' ? 'link' : 'file';
  return 'dir';
}

/** A source's "no such process" on a path operation is "no such file". */
export function onPath(e: unknown): never {
  if (e instanceof ProcfsError && e.code === 'ESRCH') throw new ProcfsError('ENOENT', e.message, e.pid, e.node);
  throw e;
}

export function noEntry(what: string): ProcfsError {
  return new ProcfsError('ENOENT', `${what}: no such entry`);
}
