import { INT3 } from '../arch/x86-64/breakpoint.js';
import type { Restore } from './release.js';

export type { Restore };

interface Entry {
  readonly original: number;
  /** What the client last wrote there: only an int3 still in place needs restoring. */
  last: number;
}

/**
 * What a server of the seam (the agent, the mount) must undo if its client vanishes: it cannot see the engine's breakpoint
 * table, so it remembers, per process, the byte under every int3 the client wrote (read before
 * that first write), and which processes the client attached and has not detached.
 *
 * Only addresses written with an int3 are kept, so a client that writes megabytes of data into a
 * target costs nothing here.
 */
export class ReleaseJournal {
  private readonly bytes = new Map<number, Map<bigint, Entry>>();
  private readonly attached = new Set<number>();
  /**
   * Threads whose registers the client wrote since the target's last stop ('all': no tid): their
   * pc is the client's, not a trap's. An engine that emulated the instruction under its int3 (a
   * one-byte push) leaves the pc exactly one past the byte, as a fresh trap would.
   */
  private readonly regsWritten = new Map<number, Set<number | 'all'>>();

  /** The addresses of a coming mem write whose original byte must be read before it lands. */
  needsOriginal(pid: number, offset: bigint, data: Uint8Array): bigint[] {
    const known = this.bytes.get(pid);
    const out: bigint[] = [];
    for (let i = 0; i < data.length; i++) {
      if (data[i] !== INT3) continue;
      const addr = offset + BigInt(i);
      if (!known?.has(addr)) out.push(addr);
    }
    return out;
  }

  /** A mem write succeeded: `originals` are the bytes read before it, for the new int3 addresses. */
  wrote(pid: number, offset: bigint, data: Uint8Array, originals: ReadonlyMap<bigint, number>): void {
    let known = this.bytes.get(pid);
    for (let i = 0; i < data.length; i++) {
      const addr = offset + BigInt(i);
      const e = known?.get(addr);
      if (e) {
        e.last = data[i]!;
        continue;
      }
      const original = originals.get(addr);
      if (original === undefined) continue;
      if (!known) this.bytes.set(pid, (known = new Map()));
      known.set(addr, { original, last: data[i]! });
    }
  }

  /** The client wrote the registers of `tid` (undefined: of the process's chosen thread). */
  wroteRegs(pid: number, tid?: number): void {
    let set = this.regsWritten.get(pid);
    if (!set) this.regsWritten.set(pid, (set = new Set()));
    set.add(tid ?? 'all');
  }

  /** A word that may resume (or end) the target: its next stop is the client's news again. */
  resumed(pid: number): void {
    this.regsWritten.delete(pid);
  }

  /** Whether `tid`'s pc is the client's since the last stop (see regsWritten). */
  regsSetSinceStop(pid: number, tid: number): boolean {
    const set = this.regsWritten.get(pid);
    return set !== undefined && (set.has(tid) || set.has('all'));
  }

  attachedTo(pid: number): void {
    this.attached.add(pid);
  }

  /** Detached by the client: it restored what it planted, nothing is left to undo there. */
  detachedFrom(pid: number): void {
    this.attached.delete(pid);
    this.bytes.delete(pid);
    this.regsWritten.delete(pid);
  }

  /** Processes the client still holds, or left int3 bytes in. */
  held(): number[] {
    const pids = new Set(this.attached);
    for (const [pid] of this.bytes) if (this.restores(pid).length > 0) pids.add(pid);
    return [...pids];
  }

  /** The int3 bytes still in `pid`, as the client left them, with what they replaced. */
  restores(pid: number): Restore[] {
    const out: Restore[] = [];
    for (const [addr, e] of this.bytes.get(pid) ?? []) if (e.last === INT3 && e.original !== INT3) out.push({ addr, original: e.original });
    return out;
  }

  isAttached(pid: number): boolean {
    return this.attached.has(pid);
  }

  clear(): void {
    this.bytes.clear();
    this.attached.clear();
    this.regsWritten.clear();
  }
}
