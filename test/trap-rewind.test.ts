/**
 * The live source rewinds a trap on an int3 its client wrote the moment it collects the stop
 * (src/procfs/sources/linux/planted.ts), for the thread it reports and for the hits of other
 * threads all-stop queues behind it: a thread it holds is never one byte into an instruction,
 * whatever ends the tracer (a SIGKILL detaches every thread where it is).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { LinuxControl } from '../src/procfs/sources/linux/control.js';
import { parseWhy } from '../src/procfs/why.js';
import { Faultee, killAllFaultees } from './helpers/faultee.js';
import { liveOk } from './helpers/root.js';

const RIP = 128;
const dir = mkdtempSync(join(tmpdir(), 'pdbg-trap-rewind-'));

describe.skipIf(!liveOk('trap rewind'))('a trap on the client int3 is rewound as it is collected', () => {
  const lc = new LinuxControl();
  afterEach(() => lc.releaseAllSync());
  afterAll(() => killAllFaultees());

  const rip = async (pid: number, tid: number) => (await lc.read(pid, 'regs', { tid })).readBigUInt64LE(RIP);

  it('8 threads hitting one int3: the reported thread and every queued one sit on the instruction, not past the byte', async () => {
    const t = await Faultee.start('threads', dir, 1);
    const pid = t.worker;
    const tick = t.addr('tick');
    await lc.write(pid, 'ctl', 'attach');
    await lc.write(pid, 'ctl', 'wait');
    const original = await lc.read(pid, 'mem', { offset: tick, length: 1 });
    await lc.write(pid, 'mem', Uint8Array.of(0xcc), { offset: tick });
    const seen = new Set<number>();
    // Each `run` while hits are queued hands out the next one; once none is, the threads run
    // and hit again at once. 40 reports cover several all-stops with hits collected meanwhile.
    for (let i = 0; i < 40; i++) {
      await lc.write(pid, 'ctl', 'run');
      await lc.write(pid, 'ctl', 'wait');
      const w = parseWhy((await lc.read(pid, 'why')).toString('latin1').trim());
      expect(w).toMatchObject({ state: 'stopped', reason: 'trap', addr: tick + 1n });
      if (w.state !== 'stopped') return;
      seen.add(w.tid);
      expect(await rip(pid, w.tid)).toBe(tick);
      for (const tid of lc.threads(pid)) expect(await rip(pid, tid), `thread ${tid}`).not.toBe(tick + 1n);
    }
    // Several threads reported: the queue of other threads' hits was exercised too.
    expect(seen.size).toBeGreaterThan(1);
    await lc.write(pid, 'mem', original, { offset: tick });
    await lc.write(pid, 'ctl', 'detach');
    const c0 = t.counter();
    for (let i = 0; i < 500 && t.counter() === c0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(t.death()).toBeUndefined();
    expect(t.counter()).toBeGreaterThan(c0);
  });

  it("a program's own int3 is not the client's: its trap keeps the pc the kernel reports", async () => {
    const t = await Faultee.start('loop', dir, 2);
    const pid = t.worker;
    const never = t.addr('never_called');
    // The program's own byte: written before anyone traces it (through mem, as root can).
    const original = await lc.read(pid, 'mem', { offset: never, length: 1 });
    await lc.write(pid, 'mem', Uint8Array.of(0xcc), { offset: never });
    await lc.write(pid, 'ctl', 'attach');
    await lc.write(pid, 'ctl', 'wait');
    // The client writes the int3 that was already there: nothing of its own to rewind.
    await lc.write(pid, 'mem', Uint8Array.of(0xcc), { offset: never });
    const regs = await lc.read(pid, 'regs');
    regs.writeBigUInt64LE(never, RIP);
    await lc.write(pid, 'regs', regs);
    await lc.write(pid, 'ctl', 'run');
    await lc.write(pid, 'ctl', 'wait');
    expect((await lc.read(pid, 'why')).toString()).toBe(`stopped ${pid} trap 0x${(never + 1n).toString(16)}\n`);
    expect(await rip(pid, pid)).toBe(never + 1n);
    await lc.write(pid, 'mem', original, { offset: never });
    t.kill();
  });
});
