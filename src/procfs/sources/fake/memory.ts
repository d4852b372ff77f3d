import { ProcfsError } from '../../errors.js';
import { notMapped } from '../../mem.js';
import type { MapEntry } from '../../map.js';

/** One mapping of a fake address space: its bytes are the memory itself. */
export interface FakeRegion {
  readonly start: bigint;
  /** The initial contents (copied), or a size for zeroed memory. */
  readonly bytes: Uint8Array | number;
  /** `r-x`, `rw-`, `r--`, `---` (default `rwx`). */
  readonly perms?: string;
  /** A path for the `maps` line (the ELF reader opens it through readFile). */
  readonly path?: string;
}

interface Mapping {
  readonly start: bigint;
  readonly end: bigint;
  readonly data: Buffer;
  readonly read: boolean;
  readonly write: boolean;
  readonly exec: boolean;
  readonly path: string | null;
}

/**
 * A byte-addressed address space with the errnos of Linux's /proc/PID/mem (spec §5): EIO when
 * the first byte is unmapped (or unreadable), a short count when a later byte is. Writes go
 * through read-only mappings, as /proc/PID/mem's do (that is how breakpoints are planted).
 */
export class FakeMemory {
  private readonly maps: Mapping[];

  constructor(regions: readonly FakeRegion[]) {
    this.maps = regions
      .map((r) => {
        const data = typeof r.bytes === 'number' ? Buffer.alloc(r.bytes) : Buffer.from(r.bytes);
        const p = r.perms ?? 'rwx';
        return { start: r.start, end: r.start + BigInt(data.length), data, read: p[0] === 'r', write: p[1] === 'w', exec: p[2] === 'x', path: r.path ?? null };
      })
      .sort((a, b) => (a.start < b.start ? -1 : 1));
    for (let i = 1; i < this.maps.length; i++) {
      if (this.maps[i]!.start < this.maps[i - 1]!.end) throw new ProcfsError('EINVAL', `fake: regions overlap at 0x${this.maps[i]!.start.toString(16)}`);
    }
  }

  private at(addr: bigint): Mapping | undefined {
    return this.maps.find((m) => addr >= m.start && addr < m.end);
  }

  /** The byte an instruction fetch sees, or undefined where execution faults. */
  fetch(addr: bigint): number | undefined {
    const m = this.at(addr);
    return m && m.exec ? m.data[Number(addr - m.start)] : undefined;
  }

  read(pid: number, addr: bigint, into: Uint8Array, length: number): number {
    return this.copy(pid, addr, length, (m, off, n, done) => m.data.copy(into, done, off, off + n), (m) => m.read);
  }

  write(pid: number, addr: bigint, data: Uint8Array): number {
    const n = this.copy(pid, addr, data.byteLength, (m, off, k, done) => m.data.set(data.subarray(done, done + k), off), () => true);
    // A write is all or nothing, as mem.ts's writeMem: a later unmapped page is EIO at its address.
    if (n < data.byteLength) throw notMapped(pid, addr + BigInt(n));
    return n;
  }

  private copy(pid: number, addr: bigint, length: number, move: (m: Mapping, off: number, n: number, done: number) => void, ok: (m: Mapping) => boolean): number {
    let done = 0;
    while (done < length) {
      const a = addr + BigInt(done);
      const m = this.at(a);
      if (!m || !ok(m)) {
        if (done === 0) throw notMapped(pid, addr);
        break;
      }
      const off = Number(a - m.start);
      const n = Math.min(length - done, m.data.length - off);
      move(m, off, n, done);
      done += n;
    }
    return done;
  }

  /** The mappings as the `maps` node's model has them. */
  entries(): MapEntry[] {
    return this.maps.map((m) => ({
      start: m.start,
      end: m.end,
      perms: { read: m.read, write: m.write, exec: m.exec, shared: false },
      offset: 0n,
      dev: '00:00',
      inode: 0,
      path: m.path,
    }));
  }
}
