import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  convertRegs, decodeRegs, encodeRegs, FREEBSD_AMD64, FREEBSD_I386, getReg, LINUX_X86_64, REG_NAMES, regField, setReg,
} from '../src/procfs/regs.js';
import { DWARF_REG_NAMES } from '../src/arch/x86-64/dwarf.js';
import { GDB_REGS } from '../src/arch/x86-64/gdb.js';
import { USER_REGS_RIP_OFFSET, USER_REGS_SIZE } from '../src/arch/x86-64/registers-linux.js';
import { USER_FPREGS_SIZE, USER_REGS_SIZE as NATIVE_USER_REGS_SIZE } from '../native/ptrace.js';
import { FPREGS_SIZE } from '../src/procfs/regs.js';
import { LinuxControl } from '../src/procfs/sources/linux/control.js';
import { liveOk } from './helpers/root.js';
import { killAllTracees, startTracee } from './helpers/tracee.js';

describe('the x86-64 arch module', () => {
  it('agrees with the Linux layout, native/ and the psABI', () => {
    expect(USER_REGS_SIZE).toBe(LINUX_X86_64.size);
    expect(USER_REGS_SIZE).toBe(NATIVE_USER_REGS_SIZE);
    expect(FPREGS_SIZE).toBe(USER_FPREGS_SIZE);
    expect(USER_REGS_RIP_OFFSET).toBe(regField(LINUX_X86_64, 'rip')!.offset);
    for (const name of DWARF_REG_NAMES) expect(regField(LINUX_X86_64, name)).toBeDefined();
  });

  it("numbers registers as gdb's amd64 g packet does", () => {
    const at = (n: string) => GDB_REGS.findIndex((r) => r.name === n);
    expect(GDB_REGS.slice(0, 8).map((r) => r.name)).toEqual(['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp']);
    expect([at('r8'), at('r15'), at('rip'), at('eflags'), at('cs'), at('gs'), at('st0'), at('fop'), at('xmm0'), at('mxcsr'), at('orig_rax')])
      .toEqual([8, 15, 16, 17, 18, 23, 24, 39, 40, 56, 57]);
  });
});

describe('register layouts (pure)', () => {
  it('match the spec sizes and offsets', () => {
    expect(LINUX_X86_64.size).toBe(216);
    expect(regField(LINUX_X86_64, 'rip')).toEqual({ name: 'rip', offset: 128, size: 8 });
    expect(regField(LINUX_X86_64, 'gs')).toEqual({ name: 'gs', offset: 208, size: 8 });
    expect(FREEBSD_AMD64.size).toBe(176);
    expect(regField(FREEBSD_AMD64, 'rax')!.offset).toBe(112);
    expect(regField(FREEBSD_AMD64, 'ds')).toEqual({ name: 'ds', offset: 134, size: 2 });
    expect(regField(FREEBSD_AMD64, 'ss')).toEqual({ name: 'ss', offset: 168, size: 8 });
    expect(FREEBSD_I386.size).toBe(76);
    expect(regField(FREEBSD_I386, 'eip')!.offset).toBe(52);
    for (const l of [LINUX_X86_64, FREEBSD_AMD64, FREEBSD_I386]) {
      const last = l.fields[l.fields.length - 1]!;
      expect(last.offset + last.size).toBe(l.size);
    }
    expect([...REG_NAMES].sort()).toEqual(LINUX_X86_64.fields.map((f) => f.name).sort());
  });

  it('converts FreeBSD amd64 <-> Linux by name, not by index', () => {
    const arb = fc.record(Object.fromEntries(FREEBSD_AMD64.fields.map((f) => [f.name, fc.bigInt({ min: 0n, max: (1n << BigInt(f.size * 8)) - 1n })])));
    fc.assert(
      fc.property(arb, (vals) => {
        const bsd = encodeRegs(FREEBSD_AMD64, vals, Buffer.alloc(176));
        const lin = convertRegs(FREEBSD_AMD64, LINUX_X86_64, bsd);
        const l = decodeRegs(LINUX_X86_64, lin);
        expect(l.rip).toBe(vals.rip);
        expect(l.rax).toBe(vals.rax);
        expect(l.r11).toBe(vals.r11);
        expect(l.eflags).toBe(vals.rflags);
        expect(l.fs).toBe(vals.fs);
        expect(l.fs_base).toBe(0n);
        const back = convertRegs(LINUX_X86_64, FREEBSD_AMD64, lin);
        // trapno and err have no Linux counterpart; everything else survives the round trip
        const b = decodeRegs(FREEBSD_AMD64, back);
        for (const f of FREEBSD_AMD64.fields) if (f.name !== 'trapno' && f.name !== 'err') expect(b[f.name]).toBe(vals[f.name]);
      }),
    );
  });

  it('i386 names are the low halves; setReg is read-modify-write', () => {
    const lin = Buffer.alloc(216, 0xee);
    setReg(LINUX_X86_64, lin, 'rax', 0x1_0000_0005n);
    expect(getReg(LINUX_X86_64, lin, 'rax')).toBe(0x1_0000_0005n);
    expect(getReg(LINUX_X86_64, lin, 'rbx')).toBe(0xeeeeeeeeeeeeeeeen);
    const i386 = convertRegs(LINUX_X86_64, FREEBSD_I386, lin);
    expect(getReg(FREEBSD_I386, i386, 'eax')).toBe(5n);
    expect(() => setReg(LINUX_X86_64, lin, 'xmm0', 1n)).toThrow(/no register 'xmm0'/);
  });
});

describe.skipIf(!liveOk('regs live'))('regs and fpregs on a live target', () => {
  const lc = new LinuxControl();
  afterEach(() => {
    lc.releaseAllSync();
    killAllTracees();
  });

  it('round-trips rax and reads fpregs whole', async () => {
    const t = await startTracee('ctltarget', ['spin']);
    await t.waitFor(/ready/);
    await lc.write(t.pid, 'ctl', 'attach');
    await lc.write(t.pid, 'ctl', 'wait');
    const regs = await lc.read(t.pid, 'regs');
    expect(regs.length).toBe(216);
    const saved = getReg(LINUX_X86_64, regs, 'rax');
    setReg(LINUX_X86_64, regs, 'rax', 0xdeadbeefcafen);
    await lc.write(t.pid, 'regs', regs);
    expect(getReg(LINUX_X86_64, await lc.read(t.pid, 'regs'), 'rax')).toBe(0xdeadbeefcafen);
    // a partial write at an offset is read-modify-write (BSD)
    const eight = Buffer.alloc(8);
    eight.writeBigUInt64LE(saved);
    await lc.write(t.pid, 'regs', eight, { offset: 80n });
    const after = decodeRegs(LINUX_X86_64, await lc.read(t.pid, 'regs'));
    expect(after.rax).toBe(saved);
    expect(after.rip).toBe(getReg(LINUX_X86_64, regs, 'rip'));
    const fp = await lc.read(t.pid, 'fpregs');
    expect(fp.length).toBe(512);
    expect(fp.readUInt16LE(0)).toBe(0x037f); // FCW after process start
    await lc.write(t.pid, 'fpregs', fp);
  });

  it('agrees with gdb on registers and a memory word', async () => {
    const t = await startTracee('ctltarget', ['spin']);
    const m = await t.waitFor(/ready \d+ (\S+)/);
    const addr = BigInt(m[1]!);
    await lc.write(t.pid, 'ctl', 'attach');
    await lc.write(t.pid, 'ctl', 'wait');
    const ours = decodeRegs(LINUX_X86_64, await lc.read(t.pid, 'regs'));
    const mem = await lc.read(t.pid, 'mem', { offset: addr, length: 16 });
    await lc.write(t.pid, 'ctl', 'detach-stopped'); // stays stopped while gdb looks
    const out = execFileSync('gdb', ['-nx', '-batch', '-p', String(t.pid), '-ex', 'info registers', '-ex', `x/2gx 0x${addr.toString(16)}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 60_000,
    });
    const gdb = new Map<string, bigint>();
    for (const line of out.split('\n')) {
      const r = /^(\w+)\s+(0x[0-9a-f]+)/.exec(line);
      if (r) gdb.set(r[1]!, BigInt(r[2]!));
    }
    let compared = 0;
    for (const name of REG_NAMES) {
      if (!gdb.has(name) || name === 'orig_rax') continue;
      expect([name, gdb.get(name)]).toEqual([name, ours[name]]);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(20);
    const words = /:\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)/.exec(out)!;
    expect(BigInt(words[1]!)).toBe(mem.readBigUInt64LE(0));
    expect(BigInt(words[2]!)).toBe(mem.readBigUInt64LE(8));
  }, 90_000);
});
