import { afterEach, describe, expect, it } from 'vitest';
import { ProcfsError } from '../src/procfs/errors.js';
import { LinuxControl } from '../src/procfs/sources/linux/control.js';
import { liveOk } from './helpers/root.js';
import { killAllTracees, rejects, startTracee } from './helpers/tracee.js';


describe.skipIf(!liveOk('mem live'))('mem', () => {
  const lc = new LinuxControl();
  afterEach(() => {
    lc.releaseAllSync();
    killAllTracees();
  });

  it('reads the global the target prints, and a write changes what it prints', async () => {
    const t = await startTracee('ctltarget', ['spin']);
    const m = await t.waitFor(/ready \d+ (\S+) (\S+)/);
    const addr = BigInt(m[1]!);
    // untraced: /proc/PID/mem works for root without attaching
    expect((await lc.read(t.pid, 'mem', { offset: addr, length: 8 })).readBigUInt64LE(0)).toBe(BigInt(m[2]!));
    const v = Buffer.alloc(8);
    v.writeBigUInt64LE(0xabcdef0123n);
    expect(await lc.write(t.pid, 'mem', v, { offset: addr })).toBe(8);
    await lc.write(t.pid, 'note', 'usr1');
    await t.waitFor(/usr1 0xabcdef0123/);
  });

  it('unmapped → EIO naming the address; a later unmapped page → short count', async () => {
    const t = await startTracee('ctltarget', ['spin']);
    await t.waitFor(/ready/);
    const e = await rejects(lc.read(t.pid, 'mem', { offset: 0x10n, length: 8 }));
    expect([e.code, e.message]).toEqual(['EIO', `pid ${t.pid}: address 0x10 is not mapped`]);
    expect((await rejects(lc.write(t.pid, 'mem', Buffer.from([1]), { offset: 0x20n }))).message).toMatch(/0x20 is not mapped/);
    // the last page of the stack mapping is followed by unmapped space
    const maps = (await import('node:fs')).readFileSync(`/proc/${t.pid}/maps`, 'utf8');
    const stack = /^([0-9a-f]+)-([0-9a-f]+) .*\[stack\]$/m.exec(maps)!;
    const end = BigInt(`0x${stack[2]}`);
    const got = await lc.read(t.pid, 'mem', { offset: end - 100n, length: 4096 });
    expect(got.length).toBe(100);
  });

  it('plants an int3 in read-only text: run stops with trap at the address after it', async () => {
    const t = await startTracee('ctltarget', ['spin']);
    await t.waitFor(/ready/);
    await lc.write(t.pid, 'ctl', 'attach');
    await lc.write(t.pid, 'ctl', 'wait');
    const rip = (await lc.read(t.pid, 'regs')).readBigUInt64LE(128);
    // the spin loop passes every instruction of its body; plant at the current pc
    const orig = await lc.read(t.pid, 'mem', { offset: rip, length: 1 });
    await lc.write(t.pid, 'mem', Buffer.from([0xcc]), { offset: rip });
    await lc.write(t.pid, 'ctl', 'run');
    await lc.write(t.pid, 'ctl', 'wait');
    expect((await lc.read(t.pid, 'why')).toString()).toBe(`stopped ${t.pid} trap 0x${(rip + 1n).toString(16)}\n`);
    await lc.write(t.pid, 'mem', orig, { offset: rip });
    const regs = await lc.read(t.pid, 'regs');
    regs.writeBigUInt64LE(rip, 128);
    await lc.write(t.pid, 'regs', regs);
    await lc.write(t.pid, 'ctl', 'step');
    await lc.write(t.pid, 'ctl', 'wait');
    expect((await lc.read(t.pid, 'why')).toString()).toBe(`stopped ${t.pid} step\n`);
  });
});
