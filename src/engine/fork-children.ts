/**
 * Forked children of a traced process (PTRACE_O_TRACEFORK|VFORK): each is held at its first
 * instruction with a copy of every breakpoint byte, or, for vfork, sharing them. gdb's default
 * (detach-on-fork, follow the parent): take the bytes out of the child and let it go before it
 * runs a single instruction. A vfork child borrows the parent's memory until it execs or exits
 * (`vforkdone`): the bytes stay out of that memory until then.
 */
import { ProcfsError } from '../procfs/errors.js';
import type { ProcFs } from '../procfs/source.js';
import type { BreakpointTable } from './breakpoints.js';

/** What the children's keeper needs of its session. */
export interface ForkHost {
  readonly fs: ProcFs;
  readonly table: BreakpointTable;
  /** The traced parent (it changes after `follow-fork child`). */
  pid(): number;
  /** Deletes every breakpoint (their bytes went with a memory the child shares), saying why. */
  dropAll(why: string): Promise<void>;
}


export class ForkChildren {
  /** Children held at their first stop, not yet cleaned: the exit guard restores them too. */
  readonly held = new Set<number>();
  private vforkLifted = false;

  constructor(private readonly host: ForkHost) {}

  /** The parent's breakpoint bytes are out of its memory for a vfork child: none may be planted now. */
  get bytesLifted(): boolean {
    return this.vforkLifted;
  }

  /** A new child: held until released (its first stop collected). */
  async hold(child: number): Promise<void> {
    this.held.add(child);
    await this.host.fs.write(child, 'ctl', 'wait').catch(() => undefined);
  }

  /** Takes every breakpoint byte out of a held child (or, for vfork, out of the shared memory) and lets it go. */
  async release(child: number, vfork: boolean): Promise<void> {
    const { fs, table } = this.host;
    const planted = table.planted();
    try {
      if (vfork) {
        for (const { addr, original } of planted) await fs.write(this.host.pid(), 'mem', Uint8Array.of(original), { offset: addr });
        if (planted.length) this.vforkLifted = true;
      } else {
        for (const { addr, original } of planted) await fs.write(child, 'mem', Uint8Array.of(original), { offset: addr });
        // clone(CLONE_VM) without CLONE_VFORK reports a fork that shares our memory: then our bytes went too.
        if (planted.length && !(await this.stillPlanted(planted[0]!.addr))) await this.host.dropAll(`child ${child} shares the address space`);
      }
      await fs.write(child, 'ctl', 'detach');
    } catch (err) {
      // A child that died before it ran has nothing left to clean.
      if (!(err instanceof ProcfsError) || err.code !== 'ESRCH') throw err;
    } finally {
      this.held.delete(child);
    }
  }

  /** Every held child let go (a release of the session). */
  async releaseAll(): Promise<void> {
    for (const child of [...this.held]) await this.release(child, false);
  }

  /** `vforkdone`: the child no longer borrows the memory; the bytes go back in. */
  async vforkDone(): Promise<void> {
    if (!this.vforkLifted) return;
    this.vforkLifted = false;
    for (const { addr } of this.host.table.planted()) await this.host.fs.write(this.host.pid(), 'mem', this.host.table.arch.breakpoint, { offset: addr });
  }

  /** The session goes on with `child` (follow-fork child): it is no longer held, nothing is lifted. */
  adopt(child: number): void {
    this.held.delete(child);
    this.vforkLifted = false;
  }

  private async stillPlanted(addr: bigint): Promise<boolean> {
    const b = Buffer.alloc(1);
    await this.host.fs.readInto(this.host.pid(), 'mem', b, { offset: addr, length: 1 });
    return b[0] === this.host.table.trapByte;
  }
}
