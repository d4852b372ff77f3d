/**
 * The architecture object (src/arch/arch.ts): x86-64's agrees with the facts it gathers, the
 * engine plants the breakpoint of the arch it was given, and the breakpoint byte is spelled in
 * one place (before, `0xcc` was defined three times and the trap rewind written twice).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isBreakpointAt, trapAddress, type Arch } from '../src/arch/arch.js';
import { HOST_ARCH } from '../src/arch/host.js';
import { INT3 } from '../src/arch/x86-64/breakpoint.js';
import { x86_64 } from '../src/arch/x86-64/index.js';
import { BreakpointTable } from '../src/engine/breakpoints.js';
import { Session } from '../src/engine/session.js';
import { FakeProcFs } from '../src/procfs/sources/fake.js';
import { CODE, spinner } from '../src/procfs/sources/fake/programs.js';
import { LINUX_X86_64, regField } from '../src/procfs/regs.js';
import { repoRoot } from './helpers/targets.js';

describe('the x86-64 arch object', () => {
  it('agrees with the Linux register layout and the int3 facts', () => {
    expect(HOST_ARCH).toBe(x86_64);
    expect([...x86_64.breakpoint]).toEqual([INT3]);
    expect(x86_64.userRegsSize).toBe(LINUX_X86_64.size);
    expect(x86_64.pcOffset).toBe(regField(LINUX_X86_64, x86_64.pcReg)!.offset);
    for (const r of [x86_64.pcReg, x86_64.spReg, x86_64.fpReg, x86_64.flagsReg]) expect(regField(LINUX_X86_64, r)).toBeDefined();
    expect(trapAddress(x86_64, 0x401137n)).toBe(0x401136n);
    expect(isBreakpointAt(x86_64, Uint8Array.of(0x90, 0xcc), 1)).toBe(true);
    expect(isBreakpointAt(x86_64, Uint8Array.of(0x90, 0xcc), 0)).toBe(false);
  });
});

describe('the engine plants the breakpoint of the arch it was given', () => {
  /** An instruction set whose one-byte trap is 0xf1 and leaves the pc on it. */
  const other: Arch = { ...x86_64, name: 'other', breakpoint: Uint8Array.of(0xf1), trapPcAdvance: 0n };

  it('the table defaults to the host arch and masks with its arch\'s byte', () => {
    expect(new BreakpointTable().arch).toBe(HOST_ARCH);
    const t = new BreakpointTable(other);
    t.add(0x1000n, 0x55, false);
    expect([...t.mask(0x1000n, Uint8Array.of(0x48, 0x89))]).toEqual([0xf1, 0x89]);
    expect(t.trapByte).toBe(0xf1);
    expect(trapAddress(other, 0x1000n)).toBe(0x1000n);
  });

  it('a session given an arch (SessionOptions.arch) plants its byte, masks it in reads and takes it out at detach', async () => {
    const fs = new FakeProcFs();
    const pid = fs.add(spinner());
    const original = fs.peek(pid, CODE, 1)[0]!;
    const s = await Session.attach(fs, pid, { arch: other });
    try {
      expect(s.arch).toBe(other);
      await s.break(CODE);
      expect(fs.peek(pid, CODE, 1)[0]).toBe(0xf1);
      expect((await s.readMem(CODE, 1))[0]).toBe(original);
    } finally {
      await s.detach();
    }
    expect(fs.peek(pid, CODE, 1)[0]).toBe(original);
    const host = await Session.attach(fs, pid);
    expect(host.arch).toBe(HOST_ARCH);
    await host.detach();
  });

  it('refuses a breakpoint the table cannot keep one original byte for', () => {
    expect(() => new BreakpointTable({ ...other, breakpoint: Uint8Array.of(0, 0, 0x20, 0xd4) })).toThrow(/4-byte breakpoint/);
  });
});

describe('architecture facts live under src/arch/', () => {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : n.endsWith('.ts') ? [join(dir, n)] : []));

  it('no file outside src/arch/ spells the int3 byte (0xcc) or defines INT3', () => {
    const out: string[] = [];
    for (const f of [...files(join(repoRoot, 'src')), ...files(join(repoRoot, 'native'))]) {
      const rel = relative(repoRoot, f);
      if (rel.startsWith('src/arch/')) continue;
      const code = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      if (/\b0x[cC]{2}\b|\bINT3\s*=/.test(code)) out.push(rel);
    }
    expect(out).toEqual([]);
  });
});
