import fc from 'fast-check';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { INT3 } from '../src/arch/x86-64/breakpoint.js';
import { BreakpointTable } from '../src/engine/breakpoints.js';
import { describeStop } from '../src/engine/events.js';
import { parseWhere } from '../src/engine/location.js';
import { hexdump, parseAssignment, parseHexBytes, parseValue } from '../src/commands/values.js';
import { Session } from '../src/engine/session.js';
import type { ProcFs } from '../src/procfs/source.js';
import { openProcFs } from '../src/procfs/sources/open.js';
import { liveOk } from './helpers/root.js';
import { buildTarget } from './helpers/targets.js';

describe('breakpoint table', () => {
  it('readers never see a planted 0xCC, writers never remove one', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.uniqueArray(fc.nat(63), { maxLength: 8 }),
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        (memory, offsets, write) => {
          const base = 0x400000n;
          const t = new BreakpointTable();
          const mem = Uint8Array.from(memory);
          for (const o of offsets.filter((o) => o < mem.length)) {
            t.add(base + BigInt(o), mem[o]!, false);
            mem[o] = INT3;
          }
          const seen = Uint8Array.from(mem);
          t.unmask(base, seen);
          expect(seen).toEqual(memory);
          // A client write over the region: the new bytes become the originals, 0xCC stays.
          const w = write.subarray(0, mem.length);
          const real = t.mask(base, w);
          for (let i = 0; i < w.length; i++) {
            if (t.has(Number(base) + i)) {
              expect(real[i]).toBe(INT3);
              expect(t.originalByte(Number(base) + i)).toBe(w[i]);
            } else expect(real[i]).toBe(w[i]);
          }
        },
      ),
    );
  });
  it('ids count up; removed addresses are still known as once planted', () => {
    const t = new BreakpointTable();
    const a = t.add(0x1000n, 0x55, false);
    const b = t.add(0x2000n, 0x90, true, { spec: 'main' });
    expect([a.id, b.id]).toEqual([1, 2]);
    expect(t.remove(1)).toMatchObject({ addr: 0x1000n });
    expect(t.has(0x1000)).toBe(false);
    expect(t.wasPlanted(0x1000)).toBe(true);
    expect(t.list().map((x) => x.spec)).toEqual(['main']);
  });
});

describe('values, addresses and events', () => {
  it('parses addresses and symbols', () => {
    expect(parseWhere('0x401136')).toEqual({ addr: 0x401136n, offset: 0n });
    expect(parseWhere('*0x10')).toEqual({ addr: 0x10n, offset: 0n });
    expect(parseWhere('main+0x10')).toEqual({ symbol: 'main', offset: 16n });
    expect(parseWhere('target_fn - 4')).toEqual({ symbol: 'target_fn', offset: -4n });
    expect(() => parseWhere('1x2')).toThrow(/not an address or symbol/);
  });
  it('parses values, negative ones two-complement, and hex bytes', () => {
    expect(parseValue('-1')).toBe(0xffff_ffff_ffff_ffffn);
    expect(parseValue('0x10')).toBe(16n);
    expect(() => parseValue('0x1' + '0'.repeat(16))).toThrow(/64 bits/);
    expect(parseAssignment('$rax = 5')).toEqual({ name: 'rax', value: 5n });
    expect(parseHexBytes('de ad 0xbe \\xef')).toEqual(Buffer.from('deadbeef', 'hex'));
    expect(() => parseHexBytes('abc')).toThrow(/bad hex/);
    expect(hexdump(0x10n, Buffer.from('AB\n'))).toEqual(['0x10: 41 42 0a' + ' '.repeat(39) + '  |AB.|']);
  });
  it('describes stops the way the CLI prints them', () => {
    expect(describeStop({ kind: 'exited', code: 3 })).toBe('exited with code 3');
    expect(describeStop({ kind: 'killed', signal: 'segv' })).toBe('killed by signal segv');
    expect(describeStop({ kind: 'breakpoint', id: 2, temporary: false, tid: 7, pc: 0x10n }, (p) => `0x${p.toString(16)} <f>`)).toBe(
      'breakpoint 2 at 0x10 <f> (thread 7)',
    );
  });
});

describe.skipIf(!liveOk('breakpoints'))('breakpoints in a live target', () => {
  let fs: ProcFs;
  const sessions: Session[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'pdbg-bp-'));
  beforeAll(async () => {
    fs = await openProcFs();
  });
  afterEach(async () => {
    for (const s of sessions.splice(0)) {
      const pid = s.pid;
      try {
        await s.detach();
      } catch {
        s.releaseSync();
      }
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  });
  afterAll(async () => {
    await fs?.close();
  });

  async function launch(name: string, args: string[]) {
    const out = join(dir, `${name}-${Date.now()}.out`);
    const s = await Session.launch(fs, [buildTarget(name), ...args], { stdout: out });
    sessions.push(s);
    return { s, out };
  }

  it('a breakpoint hit in a loop many times keeps the program correct', async () => {
    const { s, out } = await launch('breakme', ['50']);
    const bp = await s.break('target_fn');
    let hits = 0;
    for (;;) {
      const ev = await s.cont();
      if (ev.kind !== 'breakpoint') {
        expect(ev).toEqual({ kind: 'exited', code: 0 });
        break;
      }
      expect(ev.id).toBe(bp.id);
      hits++;
    }
    expect(hits).toBe(50);
    expect(readFileSync(out, 'utf8')).toContain(`total ${50 * 50}`);
  });

  it('stepping onto a breakpoint reports it; stepping off it runs the original instruction', async () => {
    const { s } = await launch('breakme', ['2']);
    const f = await s.resolve('target_fn');
    await s.runUntil(f);
    const next = (await s.step()).kind === 'step' ? await s.pc() : 0n;
    expect(next).toBeGreaterThan(f);
    // Plant on the next-but-one instruction and step twice: the second step lands on it.
    const ahead = await s.stepN(1);
    const at = (ahead as { pc: bigint }).pc;
    // The same again in a fresh process (its own load address): plant there first.
    const again = await launch('breakme', ['2']);
    const f2 = await again.s.resolve('target_fn');
    await again.s.runUntil(f2);
    await again.s.step();
    const at2 = at - f + f2;
    const bp = await again.s.break(at2);
    const ev = await again.s.stepN(10);
    expect(ev).toMatchObject({ kind: 'breakpoint', id: bp.id, pc: at2 });
    const off = await again.s.step();
    expect(off.kind).toBe('step');
    expect((off as { pc: bigint }).pc).not.toBe(at2);
    expect((await again.s.readMem(at2, 1))[0]).not.toBe(INT3);
  });

  it('writing memory over a breakpoint keeps it planted and updates what delete restores', async () => {
    const { s } = await launch('breakme', ['1']);
    const f = await s.resolve('done_fn');
    const orig = await s.readMem(f, 1);
    const bp = await s.break(f);
    await s.writeMem(f, orig); // same byte, written through the session
    expect((await s.readMem(f, 1))[0]).toBe(orig[0]);
    expect(await s.cont()).toMatchObject({ kind: 'breakpoint', id: bp.id });
    await s.delete(bp.id);
    expect((await fs.read(s.pid, 'mem', { offset: f, length: 1 }))[0]).toBe(orig[0]);
    expect(await s.cont()).toEqual({ kind: 'exited', code: 0 });
  });
});
