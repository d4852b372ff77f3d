/**
 * What every ProcFs backend must do alike (the Delve way: one contract, every backend): the
 * live source, a tree, the fake, and any backend to come (remote, FUSE). Here in src/ so that a
 * backend's own tests import it; it needs no test framework: each check is a named async
 * function that throws on failure, and a test file turns each into one test
 * (`for (const c of controlChecks(…)) it(c.name, c.run)`).
 *
 * Two sets:
 * - readOnlyChecks: listing, status, cmdline, ESRCH, refused writes (every backend, trees too);
 * - controlChecks: the ctl errno table (ctl.ts, spec §3), the why lines (why.ts), regs and mem
 *   semantics (spec §4, §5) and thread scope, for a backend that controls processes. They run
 *   against targets the caller starts: a process with at least two threads, each spinning in
 *   user code (no system calls), not a child of the caller, that survives being stopped and
 *   released (test/targets/ctlthreads.c; the fake's spinner).
 */
import { INT3 } from '../arch/x86-64/breakpoint.js';
import { ProcfsError } from './errors.js';
import { parseMap, type MapEntry } from './map.js';
import { FPREGS_SIZE, getReg, LINUX_X86_64, setReg, type RegLayout } from './regs.js';
import type { ProcFs } from './source.js';
import { parseStatusBytes } from './status.js';
import { parseWhy, type Why } from './why.js';

export interface ContractCheck {
  readonly name: string;
  readonly run: () => Promise<void>;
}

export interface ContractTarget {
  readonly pid: number;
  /** Ends the process (however it stands) and whatever was started for it. */
  stop(): Promise<void>;
}

export interface ReadOnlyContract {
  /** Called inside each check, so the source can be made in a beforeAll. */
  readonly source: () => ProcFs;
  readonly somePid: () => number;
  /** false for a read-only tree: `ctl` too is refused, with EROFS. */
  readonly writable: boolean;
}

export interface ControlContract {
  readonly source: () => ProcFs;
  readonly start: () => Promise<ContractTarget>;
  /** The `regs` node's layout (default: Linux x86-64's user_regs_struct). */
  readonly layout?: RegLayout;
}

class ContractFailure extends Error {
  override readonly name = 'ContractFailure';
}

function ok(cond: boolean, msg: string): asserts cond {
  if (!cond) throw new ContractFailure(msg);
}

function eq<T>(actual: T, expected: T, what: string): void {
  ok(actual === expected, `${what}: expected ${String(expected)}, got ${String(actual)}`);
}

/** Awaits `p`, which must fail with a ProcfsError of errno `code`. */
async function errno(p: Promise<unknown>, code: string, what: string): Promise<ProcfsError> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  ok(err !== undefined, `${what}: expected ${code}, but it succeeded`);
  ok(err instanceof ProcfsError, `${what}: expected a ProcfsError ${code}, got ${String(err)}`);
  ok(err.code === code, `${what}: expected ${code}, got ${err.code} (${err.message})`);
  return err;
}

async function errnoIn(p: Promise<unknown>, codes: readonly string[], what: string): Promise<void> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  ok(err instanceof ProcfsError && codes.includes(err.code), `${what}: expected one of ${codes.join(', ')}, got ${String(err)}`);
}

// ---- read-only ----------------------------------------------------------------------------

export function readOnlyChecks(c: ReadOnlyContract): ContractCheck[] {
  return [
    {
      name: 'lists pids ascending, without duplicates',
      run: async () => {
        const pids = await c.source().pids();
        ok(pids.length > 0, 'no pids');
        for (let i = 1; i < pids.length; i++) ok(pids[i]! > pids[i - 1]!, `pids not ascending at ${i}: ${pids[i - 1]}, ${pids[i]}`);
      },
    },
    {
      name: 'serves a status line that parses and names its own pid',
      run: async () => {
        const pid = c.somePid();
        const buf = await c.source().read(pid, 'status');
        eq(buf[buf.length - 1], 0x0a, 'last byte of status');
        const s = parseStatusBytes(buf);
        eq(s.pid, pid, 'status pid');
        ok(s.ppid >= 0, `ppid ${s.ppid}`);
      },
    },
    {
      name: 'serves cmdline as NUL-separated argv',
      run: async () => {
        const buf = await c.source().read(c.somePid(), 'cmdline');
        ok(buf.length > 0, 'empty cmdline');
        ok(!(buf.includes(0x0a) && !buf.includes(0)), 'cmdline is newline-separated, not NUL-separated');
      },
    },
    {
      name: 'answers an unknown pid with ESRCH',
      run: async () => {
        const fs = c.source();
        const pids = await fs.pids();
        await errno(fs.read(pids[pids.length - 1]! + 100_000, 'status'), 'ESRCH', 'status of an unknown pid');
      },
    },
    {
      name: 'opens a mapped file for ranged reads that agree with statFile and readFile, or refuses as they do',
      run: async () => {
        const fs = c.source();
        const pid = c.somePid();
        // A process whose map the caller may not read (another user's, pid 1) is asked for a path every system has.
        const map = await fs.read(pid, 'map').catch(() => Buffer.alloc(0));
        const path = parseMap(map.toString('latin1')).find((m) => m.path?.startsWith('/'))?.path ?? '/bin/sh';
        const stat = await fs.statFile(pid, path).catch((e: unknown) => e);
        if (stat instanceof ProcfsError) {
          // A source without files (a tree) refuses the one reader as it refuses the others.
          await errno(fs.openFile(pid, path), stat.code, `openFile of ${path}`);
          return;
        }
        ok(!(stat instanceof Error), `statFile of ${path}: ${String(stat)}`);
        const id = stat as Awaited<ReturnType<ProcFs['statFile']>>;
        const f = await fs.openFile(pid, path);
        try {
          ok(f.identity.dev === id.dev && f.identity.ino === id.ino && f.identity.size === id.size, `openFile identity of ${path} differs from statFile's`);
          const want = await fs.readFile(pid, path, { offset: 0, length: 64 });
          ok((await f.read(0, 64)).equals(want), `the first 64 bytes of ${path} differ from readFile's`);
          eq((await f.read(id.size - 1, 16)).length, Math.min(1, id.size), 'bytes read across the end of the file');
        } finally {
          await f.close();
        }
        await errnoIn(fs.openFile(pid, path, { maxSize: Math.max(0, id.size - 1) }), ['EFBIG'], `openFile of ${path} with maxSize below its size`);
      },
    },
    {
      name: c.writable ? 'refuses writes to read-only nodes' : 'refuses every write (read-only tree)',
      run: async () => {
        const fs = c.source();
        await errnoIn(fs.write(c.somePid(), 'status', 'x'), ['EROFS', 'EOPNOTSUPP'], 'a write to status');
        if (!c.writable) await errno(fs.write(c.somePid(), 'ctl', 'attach'), 'EROFS', 'ctl attach on a read-only tree');
      },
    },
  ];
}

// ---- control --------------------------------------------------------------------------------

async function why(fs: ProcFs, pid: number): Promise<Why> {
  return parseWhy((await fs.read(pid, 'why')).toString('latin1'));
}

async function whyLine(fs: ProcFs, pid: number): Promise<string> {
  return (await fs.read(pid, 'why')).toString('latin1').trimEnd();
}

async function stoppedTid(fs: ProcFs, pid: number): Promise<number> {
  const w = await why(fs, pid);
  ok(w.state === 'stopped', `why after wait: expected stopped, got ${JSON.stringify(w)}`);
  return w.tid;
}

async function attachWait(fs: ProcFs, pid: number): Promise<void> {
  await fs.write(pid, 'ctl', 'attach');
  await fs.write(pid, 'ctl', 'wait');
}

/** Writable memory with nothing mapped right after it, from the `map` node. */
async function writableWithGapAfter(fs: ProcFs, pid: number): Promise<MapEntry> {
  const maps = parseMap((await fs.read(pid, 'map')).toString('latin1'));
  const starts = new Set(maps.map((m) => m.start));
  const m = maps.find((e) => e.perms.read && e.perms.write && !starts.has(e.end));
  ok(m !== undefined, 'no readable, writable mapping followed by a gap in the map node');
  return m;
}

export function controlChecks(c: ControlContract): ContractCheck[] {
  const layout = c.layout ?? LINUX_X86_64;
  /** Runs `body` on a fresh target; the target is released (best effort) and stopped after. */
  const withTarget = (name: string, body: (fs: ProcFs, pid: number) => Promise<void>): ContractCheck => ({
    name,
    run: async () => {
      const fs = c.source();
      const t = await c.start();
      try {
        await body(fs, t.pid);
      } finally {
        await fs.write(t.pid, 'ctl', 'detach').catch(() => undefined);
        await t.stop();
      }
    },
  });
  const pcOf = async (fs: ProcFs, pid: number, tid?: number) => getReg(layout, await fs.read(pid, 'regs', tid === undefined ? {} : { tid }), 'rip');

  return [
    withTarget('ctl: an unknown word is EOPNOTSUPP, traced or not', async (fs, pid) => {
      await errno(fs.write(pid, 'ctl', 'frobnicate'), 'EOPNOTSUPP', 'ctl frobnicate (untraced)');
      await attachWait(fs, pid);
      await errno(fs.write(pid, 'ctl', 'frobnicate'), 'EOPNOTSUPP', 'ctl frobnicate (traced)');
      await errno(fs.write(pid, 'ctl', ''), 'EOPNOTSUPP', 'an empty ctl word');
    }),
    withTarget('ctl: wait, step and run on an untraced target are EBUSY', async (fs, pid) => {
      for (const w of ['wait', 'step', 'run']) await errno(fs.write(pid, 'ctl', w), 'EBUSY', `ctl ${w} untraced`);
    }),
    withTarget('ctl: detach of an untraced target is a successful no-op', async (fs, pid) => {
      await fs.write(pid, 'ctl', 'detach');
      eq(await whyLine(fs, pid), 'untraced', 'why after a no-op detach');
    }),
    withTarget('ctl: attach twice is EBUSY (before and after wait)', async (fs, pid) => {
      await fs.write(pid, 'ctl', 'attach');
      await errno(fs.write(pid, 'ctl', 'attach'), 'EBUSY', 'attach while the attach stop is on its way');
      await fs.write(pid, 'ctl', 'wait');
      await errno(fs.write(pid, 'ctl', 'attach'), 'EBUSY', 'attach in trace-wait');
    }),
    withTarget('ctl: step and run while running are EBUSY, and so is regs', async (fs, pid) => {
      await attachWait(fs, pid);
      await fs.write(pid, 'ctl', 'run');
      await errno(fs.write(pid, 'ctl', 'step'), 'EBUSY', 'step while running');
      await errno(fs.write(pid, 'ctl', 'run'), 'EBUSY', 'run while running');
      await errno(fs.read(pid, 'regs'), 'EBUSY', 'regs while running');
      await fs.write(pid, 'ctl', 'interrupt');
      await fs.write(pid, 'ctl', 'wait');
    }),
    withTarget('ctl: a killed target is ESRCH for step and run; wait and detach succeed', async (fs, pid) => {
      await attachWait(fs, pid);
      await fs.write(pid, 'ctl', 'kill');
      await fs.write(pid, 'ctl', 'wait');
      eq(await whyLine(fs, pid), 'killed kill', 'why after the kill word');
      await errno(fs.write(pid, 'ctl', 'step'), 'ESRCH', 'step of a killed target');
      await errno(fs.write(pid, 'ctl', 'run'), 'ESRCH', 'run of a killed target');
      await fs.write(pid, 'ctl', 'wait');
      await fs.write(pid, 'ctl', 'detach');
    }),
    withTarget('why: untraced, running after attach, stopped PID attach after wait, detached after detach', async (fs, pid) => {
      eq(await whyLine(fs, pid), 'untraced', 'why before attach');
      await fs.write(pid, 'ctl', 'attach');
      const w = await why(fs, pid);
      // The attach stop may already be in when why is read: running or stopped, both are true.
      ok(w.state === 'running' || (w.state === 'stopped' && w.reason === 'attach'), `why right after attach: ${JSON.stringify(w)}`);
      await fs.write(pid, 'ctl', 'wait');
      eq(await whyLine(fs, pid), `stopped ${pid} attach`, 'why after attach + wait');
      await fs.write(pid, 'ctl', 'run');
      eq(await whyLine(fs, pid), 'running', 'why after run');
      await fs.write(pid, 'ctl', 'detach');
      eq(await whyLine(fs, pid), 'detached', 'why after detach (of a running target)');
    }),
    withTarget('why: stopped TID step after step, and the pc moved', async (fs, pid) => {
      await attachWait(fs, pid);
      const before = await pcOf(fs, pid);
      await fs.write(pid, 'ctl', 'step');
      await fs.write(pid, 'ctl', 'wait');
      eq(await whyLine(fs, pid), `stopped ${pid} step`, 'why after step');
      ok((await pcOf(fs, pid)) !== before, 'the pc did not move on a step');
    }),
    withTarget('why: stopped TID trap ADDR after an int3, ADDR one past it', async (fs, pid) => {
      await attachWait(fs, pid);
      const pc = await pcOf(fs, pid);
      const orig = await fs.read(pid, 'mem', { offset: pc, length: 1 });
      await fs.write(pid, 'mem', Uint8Array.of(INT3), { offset: pc });
      await fs.write(pid, 'ctl', 'run');
      await fs.write(pid, 'ctl', 'wait');
      eq(await whyLine(fs, pid), `stopped ${pid} trap 0x${(pc + 1n).toString(16)}`, 'why after an int3');
      // The kernel leaves it one past the int3; the live source (and an agent or mount over it)
      // puts a trap on its client's int3 back on the instruction as it collects the stop.
      const after = await pcOf(fs, pid);
      ok(after === pc + 1n || after === pc, `the pc after an int3 at 0x${pc.toString(16)}: 0x${after.toString(16)}, neither one past it nor rewound`);
      // Left as found: the byte back, the pc back on the instruction.
      await fs.write(pid, 'mem', orig, { offset: pc });
      const regs = await fs.read(pid, 'regs');
      setReg(layout, regs, 'rip', pc);
      await fs.write(pid, 'regs', regs);
    }),
    withTarget('why: stopped TID signal NAME for a signal sent to a running target', async (fs, pid) => {
      await attachWait(fs, pid);
      await fs.write(pid, 'ctl', 'run');
      await fs.write(pid, 'note', 'winch');
      await fs.write(pid, 'ctl', 'wait');
      const w = await why(fs, pid);
      ok(w.state === 'stopped' && w.reason === 'signal' && w.signal === 'winch', `why after note winch: ${JSON.stringify(w)}`);
      ok((await fs.threads(pid)).includes(w.tid), `why names thread ${w.tid}, not one of the target's`);
    }),
    withTarget('why: stopped TID interrupt after interrupt; interrupt in trace-wait changes nothing', async (fs, pid) => {
      await attachWait(fs, pid);
      await fs.write(pid, 'ctl', 'run');
      await fs.write(pid, 'ctl', 'interrupt');
      await fs.write(pid, 'ctl', 'wait');
      const w = await why(fs, pid);
      ok(w.state === 'stopped' && w.reason === 'interrupt', `why after interrupt: ${JSON.stringify(w)}`);
      await fs.write(pid, 'ctl', 'interrupt');
      eq(await whyLine(fs, pid), `stopped ${w.tid} interrupt`, 'why after a second interrupt');
    }),
    withTarget('regs: the layout size; a write reads back, in part at an offset; past the end is EINVAL', async (fs, pid) => {
      await attachWait(fs, pid);
      const orig = await fs.read(pid, 'regs');
      eq(orig.length, layout.size, 'regs size');
      eq((await fs.read(pid, 'fpregs')).length, FPREGS_SIZE, 'fpregs size');
      const field = layout.fields[0]!;
      const changed = Buffer.from(orig);
      changed.writeBigUInt64LE(0x1122334455667788n, field.offset);
      await fs.write(pid, 'regs', changed);
      ok((await fs.read(pid, 'regs')).equals(changed), 'regs read after a whole write differ from what was written');
      const part = Buffer.alloc(8);
      part.writeBigUInt64LE(0x0badc0de0badc0den);
      await fs.write(pid, 'regs', part, { offset: BigInt(field.offset) });
      eq((await fs.read(pid, 'regs')).readBigUInt64LE(field.offset), 0x0badc0de0badc0den, 'a register after a partial write');
      await errno(fs.write(pid, 'regs', part, { offset: BigInt(layout.size - 4) }), 'EINVAL', 'a regs write past the end');
      await fs.write(pid, 'regs', orig);
      ok((await fs.read(pid, 'regs')).equals(orig), 'regs not restored');
    }),
    withTarget('regs: untraced is EBUSY', async (fs, pid) => {
      await errno(fs.read(pid, 'regs'), 'EBUSY', 'regs of an untraced target');
    }),
    withTarget('mem: offset = address; a write reads back; readInto counts bytes', async (fs, pid) => {
      await attachWait(fs, pid);
      const m = await writableWithGapAfter(fs, pid);
      const orig = await fs.read(pid, 'mem', { offset: m.start, length: 8 });
      eq(orig.length, 8, 'bytes read at a mapped address');
      const flipped = Buffer.from(orig.map((b) => b ^ 0xff));
      eq(await fs.write(pid, 'mem', flipped, { offset: m.start }), 8, 'bytes written');
      ok((await fs.read(pid, 'mem', { offset: m.start, length: 8 })).equals(flipped), 'mem does not read back what was written');
      const into = Buffer.alloc(4);
      eq(await fs.readInto(pid, 'mem', into, { offset: m.start + 4n }), 4, 'readInto count');
      ok(into.equals(flipped.subarray(4)), 'readInto at offset+4 reads the bytes at that address');
      await fs.write(pid, 'mem', orig, { offset: m.start });
    }),
    withTarget('mem: an unmapped address is EIO; a read across the end of a mapping is short', async (fs, pid) => {
      await attachWait(fs, pid);
      await errno(fs.read(pid, 'mem', { offset: 0x10n, length: 8 }), 'EIO', 'mem at 0x10');
      await errno(fs.write(pid, 'mem', Uint8Array.of(0), { offset: 0x10n }), 'EIO', 'a mem write at 0x10');
      const m = await writableWithGapAfter(fs, pid);
      eq((await fs.read(pid, 'mem', { offset: m.end - 8n, length: 16 })).length, 8, 'bytes read across the end of a mapping');
    }),
    withTarget('threads: every thread listed, each with its own regs ({tid}), its own status', async (fs, pid) => {
      await attachWait(fs, pid);
      const tids = await fs.threads(pid);
      ok(tids.length >= 2 && tids.includes(pid), `threads of the target: ${tids.join(',')}`);
      const [a, b] = [pid, tids.find((t) => t !== pid)!];
      const ra = await fs.read(pid, 'regs', { tid: a });
      const rb = await fs.read(pid, 'regs', { tid: b });
      ok(!ra.equals(rb), 'two threads read the same registers');
      eq(parseStatusBytes(await fs.read(pid, 'status', { tid: b })).pid, b, "a thread's status names the thread");
    }),
    withTarget('threads: step {tid} moves only that thread; an unknown tid is ESRCH', async (fs, pid) => {
      await attachWait(fs, pid);
      const other = (await fs.threads(pid)).find((t) => t !== pid)!;
      const mainPc = await pcOf(fs, pid, pid);
      const otherPc = await pcOf(fs, pid, other);
      await fs.write(pid, 'ctl', 'step', { tid: other });
      await fs.write(pid, 'ctl', 'wait');
      eq(await whyLine(fs, pid), `stopped ${other} step`, 'why after step {tid}');
      ok((await pcOf(fs, pid, other)) !== otherPc, 'the stepped thread did not move');
      eq(await pcOf(fs, pid, pid), mainPc, 'the main thread pc after another thread stepped');
      eq(await stoppedTid(fs, pid), other, 'the thread why names');
      const none = Math.max(...(await fs.threads(pid))) + 100_000;
      await errno(fs.read(pid, 'regs', { tid: none }), 'ESRCH', 'regs of an unknown tid');
      await errno(fs.write(pid, 'ctl', 'step', { tid: none }), 'ESRCH', 'step of an unknown tid');
    }),
  ];
}
