import { execFileSync } from 'node:child_process';
import { openSync, readFileSync, readSync, closeSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { LinuxProcFs } from '../src/procfs/sources/linux/index.js';
import { disassemble, disassembleAround, type ReadMemory } from '../src/arch/x86-64/disasm.js';
import { loadElfFile } from './helpers/elf-file.js';
import { symbolAtLinkAddress } from '../src/engine/symbols/module.js';
import { ProcessSymbols } from '../src/engine/symbols/process-symbols.js';
import { liveOk } from './helpers/root.js';
import { buildTarget, killAll, startTarget } from './helpers/targets.js';

afterAll(killAll);

/** A function's bytes from the file, at its link-time address. */
async function functionBytes(path: string, name: string) {
  const img = await loadElfFile(path);
  const fn = img.symbols.find((s) => s.name === name)!;
  const seg = img.segments.find((s) => fn.value >= s.vaddr && fn.value < s.vaddr + s.filesz)!;
  const off = Number(fn.value - seg.vaddr + seg.offset);
  const symbolize = (a: bigint) => {
    const s = symbolAtLinkAddress(img.symbols, a);
    return s && (a === s.value ? s.name : `${s.name}+${a - s.value}`);
  };
  return { img, fn, code: readFileSync(path).subarray(off, off + fn.size), symbolize };
}

/** objdump's lines of one function: address, text (whitespace collapsed, comment dropped), branch symbol. */
function objdump(path: string, name: string) {
  const out = execFileSync('objdump', ['-d', `--disassemble=${name}`, path], { encoding: 'utf8' });
  return [...out.matchAll(/^\s+([0-9a-f]+):\t[0-9a-f ]+\t(.*)$/gm)].map(([, a, t]) => ({
    address: BigInt(`0x${a}`),
    text: t!.replace(/#.*$/, '').replace(/\s+/g, ' ').trim(),
    sym: /<([^>+]+)[^>]*>/.exec(t!)?.[1],
  }));
}

describe('disassembly', () => {
  it('decodes a compiled function with the boundaries and AT&T text objdump gives, branches symbolized', async () => {
    const path = buildTarget('symtarget');
    const { fn, code, symbolize } = await functionBytes(path, 'main');
    const mine = disassemble(code, fn.value, { symbolize });
    const want = objdump(path, 'main');
    expect(mine.map((l) => l.address)).toEqual(want.map((w) => w.address));
    let calls = 0;
    for (const [i, w] of want.entries()) {
      const m = mine[i]!;
      if (w.sym && /^(call|j)/.test(w.text)) {
        // objdump prints `call 1030 <write@plt>`, pdbg (like gdb) `call 0x1030 <write@plt>`.
        expect(m.text.split(/\s+/)[0], w.text).toBe(w.text.split(' ')[0]);
        expect(m.targetName?.replace(/\+\d+$/, ''), w.text).toBe(w.sym);
        calls++;
      } else {
        expect(m.text.replace(/#.*$/, '').replace(/\s+/g, ' ').trim()).toBe(w.text);
      }
    }
    expect(calls).toBeGreaterThanOrEqual(4);
    expect(mine.find((l) => l.text.startsWith('call') && l.targetName === 'write@plt')?.text).toMatch(/^call\s+0x[0-9a-f]+ <write@plt>$/);
    // A rip-relative operand is resolved to its absolute address, as gdb's `# 0x…` comment.
    const lea = mine.find((l) => /\(%rip\)/.test(l.text))!;
    expect(lea.text).toContain(`# 0x${lea.target!.toString(16)}`);
    const [, sign, disp] = /(-?)0x([0-9a-f]+)\(%rip\)/.exec(lea.text)!;
    expect(lea.target).toBe(lea.address + BigInt(lea.length) + (sign ? -1n : 1n) * BigInt(`0x${disp}`));
  });

  it('marks undecodable bytes (bad) and does not show a truncated last instruction', () => {
    const lines = disassemble(Uint8Array.from([0x90, 0x06, 0x90, 0x48, 0x89]), 0x1000n);
    expect(lines.map((l) => l.text.trim())).toEqual(['nop', '(bad)', 'nop']);
    expect(lines[1]!.address).toBe(0x1001n);
  });

  it('finds the lines before a pc from the function start, and without one by resynchronising', async () => {
    const path = buildTarget('symtarget');
    const { fn, code, symbolize } = await functionBytes(path, 'main');
    const read: ReadMemory = async (addr, len) => {
      const o = Number(addr - fn.value);
      return code.subarray(Math.max(0, o), Math.max(0, o + len));
    };
    const all = disassemble(code, fn.value);
    const pc = all[8]!.address;
    const around = await disassembleAround(read, pc, { before: 3, after: 4, functionStart: fn.value, symbolize });
    expect(around.map((l) => l.address)).toEqual(all.slice(5, 12).map((l) => l.address));
    const blind = await disassembleAround(read, pc, { before: 3, after: 4 });
    expect(blind.some((l) => l.address === pc)).toBe(true);
    expect(blind.filter((l) => l.address > pc).map((l) => l.address)).toEqual(all.slice(9, 12).map((l) => l.address));
  });
});

describe.skipIf(!liveOk('disasm vs gdb'))('disassembly of a live process against gdb', () => {
  it('x/8i around main+N in a running PIE: same addresses and symbols as gdb', async () => {
    const t = startTarget('symtarget');
    await t.waitFor(/ready/);
    const syms = await ProcessSymbols.forProcess(new LinuxProcFs(), t.pid);
    const main = syms.lookup('main');
    const fd = openSync(`/proc/${t.pid}/mem`, 'r');
    try {
      const read: ReadMemory = async (addr, len) => {
        const b = Buffer.alloc(len);
        return b.subarray(0, readSync(fd, b, 0, len, addr));
      };
      const pc = disassemble(await read(main.address, 64), main.address)[5]!.address;
      const lines = await disassembleAround(read, pc, { before: 2, after: 6, functionStart: main.address, symbolize: (a) => syms.describe(a) });
      const out = execFileSync('gdb', ['-nx', '-batch', '-p', String(t.pid), '-ex', `x/8i 0x${lines[0]!.address.toString(16)}`], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'], // gdb's source-file complaints go to stderr, not the test's output
        timeout: 60_000,
      });
      const gdbLines = [...out.matchAll(/^\s*(?:=> )?(0x[0-9a-f]+) <([^>]+)>:\s+(\S+)(.*)$/gm)];
      expect(gdbLines).toHaveLength(8);
      expect(lines.map((l) => l.address)).toEqual(gdbLines.map((g) => BigInt(g[1]!)));
      expect(lines.map((l) => syms.describe(l.address))).toEqual(gdbLines.map((g) => g[2]));
      for (const [i, g] of gdbLines.entries()) {
        expect(lines[i]!.text.split(/\s+/)[0]).toBe(g[3]);
        const sym = /<([^>]+)>\s*$/.exec(g[4]!)?.[1];
        if (sym && /^call|^j/.test(g[3]!)) expect(lines[i]!.targetName).toBe(sym);
      }
    } finally {
      closeSync(fd);
      t.kill();
    }
  }, 90_000);
});
