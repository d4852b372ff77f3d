import { ProcfsError } from '../../errors.js';
import type { NodeName } from '../../node.js';
import type { NodeOptions } from '../../source.js';

/** The nodes the live source hands to its tracer: everything that needs ptrace or signals. */
export type ControlNode = Extract<NodeName, 'ctl' | 'mem' | 'regs' | 'fpregs' | 'note' | 'notepg' | 'why'>;

export const CONTROL_NODES: readonly ControlNode[] = ['ctl', 'mem', 'regs', 'fpregs', 'note', 'notepg', 'why'];

/**
 * The live Linux source's ctl/mem/regs/fpregs/note/notepg/why nodes over ptrace.
 * PLACEHOLDER: the engine work replaces this body; the shape (methods and their meaning) stays.
 */
export class LinuxControl {
  async read(pid: number, node: ControlNode, _opts?: NodeOptions): Promise<Buffer> {
    throw new ProcfsError('EOPNOTSUPP', `${pid}/${node}: not implemented yet`, pid, node);
  }
  async readInto(pid: number, node: ControlNode, _into: Uint8Array, _opts?: NodeOptions): Promise<number> {
    throw new ProcfsError('EOPNOTSUPP', `${pid}/${node}: not implemented yet`, pid, node);
  }
  async write(pid: number, node: ControlNode, _data: string | Uint8Array, _opts?: NodeOptions): Promise<number> {
    throw new ProcfsError('EOPNOTSUPP', `${pid}/${node}: not implemented yet`, pid, node);
  }
  /** Detaches every target this source traces, synchronously (safe inside process 'exit'). */
  releaseAllSync(): void {}
  async close(): Promise<void> {
    this.releaseAllSync();
  }
}
