import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { backtrace, findPrologue } from '../src/debugger/backtrace.js';
import type { ReadMemory } from '../src/debugger/disasm.js';
import type { SymbolHit } from '../src/debugger/symbols/process-symbols.js';
import { ProcessSymbols } from '../src/debugger/symbols/process-symbols.js';
import { liveOk } from './helpers/root.js';
import { killAll, startTarget } from './helpers/targets.js';

afterAll(killAll);

/** A sparse little-endian memory: code bytes and 8-byte stack slots. */
function fakeMemory(code: Record<number, number[]>, slots: Record<number, bigint>): ReadMemory {
  const bytes = new Map<number, number>();
  for (const [at, list] of Object.entries(code)) list.forEach((b, i) => bytes.set(Number(at) + i, b));
  for (const [at, v] of Object.entries(slots)) for (let i = 0; i < 8; i++) bytes.set(Number(at) + i, Number((v >> BigInt(8 * i)) & 0xffn));
  return async (addr, len) => {
    const out: number[] = [];
    for (let i = 0; i < len; i++) {
      const b = bytes.get(Number(addr) + i);
      if (b === undefined) break;
      out.push(b);
    }
    if (out.length === 0) throw new Error('unmapped');
    return Uint8Array.from(out);
  };
}

const FP_PROLOGUE = [0xf3, 0x0f, 0x1e, 0xfa, 0x55, 0x48, 0x89, 0xe5, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0xc9, 0xc3];
const NO_FP = [0x48, 0x83, 0xec, 0x08, 0x90, 0x90, 0x90, 0x90];
const fns: [string, number, number][] = [['f', 0x1000, 0x20], ['g', 0x2000, 0x20], ['main', 0x3000, 0x20], ['h', 0x4000, 0x20]];
const symbolAt = (a: bigint): SymbolHit | undefined => {
  const f = fns.find(([, s, n]) => a >= BigInt(s) && a < BigInt(s + n));
  return f && { name: f[0], address: BigInt(f[1]), offset: a - BigInt(f[1]), size: f[2], kind: 'func', module: 'fake' };
};
const code = { 0x1000: FP_PROLOGUE, 0x2000: FP_PROLOGUE, 0x3000: FP_PROLOGUE, 0x4000: NO_FP };
// g's frame at 0x7100 (caller main, whose frame is 0x7200), main's frame ends the chain.
const callerSlots = { 0x7100: 0x7200n, 0x7108: 0x3010n, 0x7200: 0n, 0x7208: 0x9999n };

describe('frame-pointer walk', () => {
  it('finds the prologue with and without endbr64', () => {
    expect(findPrologue(Uint8Array.from(FP_PROLOGUE))).toEqual({ push: 4 });
    expect(findPrologue(Uint8Array.from(FP_PROLOGUE.slice(4)))).toEqual({ push: 0 });
    expect(findPrologue(Uint8Array.from(NO_FP))).toBeUndefined();
  });

  it.each([
    ['at the entry (breakpoint on a function)', { rip: 0x1000n, rsp: 0x7000n, rbp: 0x7100n }, { 0x7000: 0x2010n }],
    ['after push %rbp', { rip: 0x1005n, rsp: 0x6ff8n, rbp: 0x7100n }, { 0x6ff8: 0x7100n, 0x7000: 0x2010n }],
    ['in the body', { rip: 0x1009n, rsp: 0x6ff0n, rbp: 0x6ff8n }, { 0x6ff8: 0x7100n, 0x7000: 0x2010n }],
    ['at the ret after leave', { rip: 0x1011n, rsp: 0x7000n, rbp: 0x7100n }, { 0x7000: 0x2010n }],
  ])('stopped %s: f, g, main and no further', async (_what, regs, stack) => {
    const bt = await backtrace(regs, fakeMemory(code, { ...callerSlots, ...stack }), { symbolAt });
    expect(bt.frames.map((f) => f.where)).toEqual([`f+${regs.rip - 0x1000n}`.replace('+0', ''), 'g+16', 'main+16']);
    expect(bt.note).toBeUndefined();
  });

  it('says so when a function has no frame pointer', async () => {
    const bt = await backtrace({ rip: 0x4004n, rsp: 0x6ff0n, rbp: 0x7100n }, fakeMemory(code, callerSlots), { symbolAt });
    expect(bt.frames[0]!.function).toBe('h');
    expect(bt.note).toMatch(/no frame pointer in h/);
  });

  it('stops on a broken chain and on unreadable memory', async () => {
    const loop = await backtrace({ rip: 0x2004n + 8n, rsp: 0x7000n, rbp: 0x7100n }, fakeMemory(code, { 0x7100: 0x7000n, 0x7108: 0x1010n }), { symbolAt });
    expect(loop.frames.length).toBeLessThanOrEqual(3);
    expect(loop.note).toMatch(/broken/);
    const lost = await backtrace({ rip: 0x200cn, rsp: 0x7000n, rbp: 0x5000n }, fakeMemory(code, {}), { symbolAt });
    expect(lost.frames).toHaveLength(1);
  });
});

describe.skipIf(!liveOk('backtrace vs gdb'))('backtrace of a live process against gdb', () => {
  it('walks bt_inner → bt_middle → bt_outer → main with the return addresses gdb shows', async () => {
    const t = startTarget('bttarget');
    const line = await t.waitFor(/rip 0x[0-9a-f]+ rsp 0x[0-9a-f]+ rbp 0x[0-9a-f]+/);
    const [, rip, rsp, rbp] = /rip (0x[0-9a-f]+) rsp (0x[0-9a-f]+) rbp (0x[0-9a-f]+)/.exec(line)!;
    const syms = await ProcessSymbols.forProcess({ kind: 'linux', root: '/proc' }, t.pid);
    const fd = openSync(`/proc/${t.pid}/mem`, 'r');
    try {
      const read: ReadMemory = async (addr, len) => {
        const b = Buffer.alloc(len);
        return b.subarray(0, readSync(fd, b, 0, len, addr));
      };
      const bt = await backtrace({ rip: BigInt(rip!), rsp: BigInt(rsp!), rbp: BigInt(rbp!) }, read, { symbolAt: (a) => syms.symbolAt(a) });
      expect(bt.frames.map((f) => f.function)).toEqual(['bt_inner', 'bt_middle', 'bt_outer', 'main']);
      // gdb's stderr (`../sysdeps/…: No such file or directory.` without libc sources) is not the test's output.
      const out = execFileSync('gdb', ['-nx', '-batch', '-p', String(t.pid), '-ex', 'bt'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
      const gdbFrames = new Map([...out.matchAll(/^#\d+\s+(0x[0-9a-f]+) in (\w+)/gm)].map((m) => [m[2]!, BigInt(m[1]!)]));
      for (const f of bt.frames.slice(1)) expect(f.pc, f.function).toBe(gdbFrames.get(f.function!));
    } finally {
      closeSync(fd);
      t.kill();
    }
  });
});
