/**
 * The per-thread register cache: one preallocated `user_regs_struct` buffer and node options per
 * thread, read once per stop and reused by every step (the step loop allocates nothing for
 * them). A stop, a resume or a write that failed marks the buffers stale.
 */
import type { NodeOptions, ProcFs } from '../procfs/source.js';
import { pcNumber, REGS_SIZE } from './regfile.js';

/** One thread's buffers, allocated once. */
export interface Slot {
  readonly tid: number;
  readonly regs: Buffer;
  readonly opts: NodeOptions;
  /** The buffer holds the thread's registers as of this stop. */
  valid: boolean;
}

/** What the cache needs of its session. */
export interface RegsHost {
  readonly fs: ProcFs;
  /** The traced process (it changes after `follow-fork child`). */
  readonly pid: number;
}

export class ThreadRegisters {
  private readonly slots = new Map<number, Slot>();

  constructor(private readonly host: RegsHost) {}

  /** The thread's slot, made on first use (a thread seen by a clone event, or asked for). */
  slot(tid: number): Slot {
    let s = this.slots.get(tid);
    if (!s) {
      s = { tid, regs: Buffer.alloc(REGS_SIZE), opts: { tid }, valid: false };
      this.slots.set(tid, s);
    }
    return s;
  }

  /** The slot's registers, read from the `regs` node unless already read at this stop. */
  async load(slot: Slot): Promise<Buffer> {
    if (!slot.valid) {
      await this.host.fs.readInto(this.host.pid, 'regs', slot.regs, slot.opts);
      slot.valid = true;
    }
    return slot.regs;
  }

  /** Writes the slot's buffer to the thread; a refused write leaves the cache stale, not wrong. */
  async store(slot: Slot): Promise<void> {
    try {
      await this.host.fs.write(this.host.pid, 'regs', slot.regs, slot.opts);
    } catch (err) {
      slot.valid = false;
      throw err;
    }
  }

  /** The pc of a loaded slot, as an address. */
  pc(slot: Slot): bigint {
    return BigInt(pcNumber(slot.regs));
  }

  /** Every thread may have moved (a resume, a stop of another thread). */
  invalidateAll(): void {
    for (const s of this.slots.values()) s.valid = false;
  }

  /** Another process's threads from now on (follow-fork child). */
  clear(): void {
    this.slots.clear();
  }
}
