import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LinuxProcFs } from '../src/procfs/sources/linux/index.js';
import { TreeProcFs } from '../src/procfs/sources/tree.js';
import { ParseError, ProcfsError } from '../src/procfs/errors.js';
import { bufferReader, parseElf, plainName } from '../src/elf/parse.js';
import { hostOpen, loadElfFile } from './helpers/elf-file.js';
import { parseLinuxMaps } from '../src/procfs/map.js';
import { ProcessSymbols } from '../src/engine/symbols/process-symbols.js';
import { liveOk } from './helpers/root.js';
import { buildTarget, killAll, repoRoot, startTarget } from './helpers/targets.js';

afterAll(killAll);

/** `nm` of a file: name → link-time address (the first definition of each name). */
function nm(path: string, dynamic = false): Map<string, bigint> {
  const out = execFileSync('nm', [...(dynamic ? ['-D'] : []), '--defined-only', path], { encoding: 'utf8' });
  const map = new Map<string, bigint>();
  for (const line of out.split('\n')) {
    const m = /^([0-9a-f]+) [TtDdBbRrWwVvi] (\S+)$/.exec(line);
    if (m && !map.has(plainName(m[2]!))) map.set(plainName(m[2]!), BigInt(`0x${m[1]}`));
  }
  return map;
}

function libcPath(): string {
  return execFileSync('gcc', ['-print-file-name=libc.so.6'], { encoding: 'utf8' }).trim();
}

describe('ELF reader', () => {
  it('reads .symtab of a PIE target with the addresses nm prints', async () => {
    const path = buildTarget('symtarget');
    const image = await loadElfFile(path);
    expect(image.type).toBe('dyn');
    expect(image.hasSymtab).toBe(true);
    const want = nm(path);
    for (const name of ['main', 'sym_static_helper', 'sym_counter']) {
      const s = image.symbols.find((x) => x.name === name);
      expect(s, name).toBeDefined();
      expect(s!.value).toBe(want.get(name));
    }
    expect(image.symbols.find((x) => x.name === 'sym_static_helper')!.binding).toBe('local');
    expect(image.symbols.find((x) => x.name === 'sym_counter')!.kind).toBe('object');
  });

  it('reads .dynsym of the stripped libc, versioned names by their plain name', async () => {
    const libc = libcPath();
    const image = await loadElfFile(libc);
    const want = nm(libc, true);
    for (const name of ['write', 'printf', 'malloc', 'pause']) {
      expect(image.symbols.find((x) => x.name === name && x.table === 'dynsym')?.value, name).toBe(want.get(name));
    }
    expect(image.symbols.some((s) => s.name.includes('@') && s.table !== 'plt')).toBe(false);
  });

  it('names PLT stubs as objdump does', async () => {
    const path = buildTarget('symtarget');
    const dump = execFileSync('objdump', ['-d', '--section=.plt.sec', '--section=.plt', path], { encoding: 'utf8' });
    const stubs = [...dump.matchAll(/^([0-9a-f]+) <(\w+)@plt>:/gm)];
    expect(stubs.length).toBeGreaterThan(0);
    const image = await loadElfFile(path);
    for (const [, addr, name] of stubs) {
      expect(image.symbols.find((s) => s.name === `${name}@plt`)?.value, name).toBe(BigInt(`0x${addr}`));
    }
  });

  it('reads ET_EXEC (non-PIE) executables', async () => {
    const path = buildTarget('symtarget_nopie', ['-no-pie']);
    const image = await loadElfFile(path);
    expect(image.type).toBe('exec');
    expect(image.symbols.find((s) => s.name === 'main')?.value).toBe(nm(path).get('main'));
  });

  it('rejects files that are not ELF64 LE with a ParseError naming the field', async () => {
    const notElf = readFileSync(join(repoRoot, 'test/targets/symtarget.c'));
    await expect(parseElf(bufferReader(notElf))).rejects.toThrow(ParseError);
    const elf = readFileSync(buildTarget('symtarget'));
    const elf32 = Buffer.from(elf);
    elf32[4] = 1;
    await expect(parseElf(bufferReader(elf32))).rejects.toThrow(/64-bit/);
    try {
      await parseElf(bufferReader(elf.subarray(0, 40)));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ParseError);
      expect((e as ParseError).field).toBe('header');
    }
    // Section headers cut off: a clean error, not a RangeError.
    await expect(parseElf(bufferReader(elf.subarray(0, 4096)))).rejects.toThrow(ParseError);
  });

  it('plainName drops GLIBC version suffixes', () => {
    expect(plainName('write@@GLIBC_2.2.5')).toBe('write');
    expect(plainName('memcpy@GLIBC_2.2.5')).toBe('memcpy');
    expect(plainName('main')).toBe('main');
  });
});

describe('placing files by maps', () => {
  it('computes the load bias of a PIE and of libc from made-up maps, and rejects bad lines', async () => {
    const exe = buildTarget('symtarget');
    const libc = libcPath();
    const maps = [
      `555555554000-555555555000 r--p 00000000 08:01 11 ${exe}`,
      `555555555000-555555556000 r-xp 00001000 08:01 11 ${exe}`,
      `7ffff7d80000-7ffff7da8000 r--p 00000000 08:01 22 ${libc}`,
      `7ffff7da8000-7ffff7f3d000 r-xp 00028000 08:01 22 ${libc}`,
      `7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0 [stack]`,
    ].join('\n');
    const syms = await ProcessSymbols.fromMapsText(maps, { open: hostOpen, roots: ['host'] });
    expect(syms.modules.map((m) => m.path)).toEqual([exe, libc]);
    expect(syms.modules[0]!.bias).toBe(0x555555554000n);
    const main = syms.lookup('main');
    expect(main.address).toBe(0x555555554000n + nm(exe).get('main')!);
    expect(syms.describe(main.address + 3n)).toBe('main+3');
    expect(syms.describe(0x7ffffffde100n)).toBeUndefined();
    expect(() => syms.lookup('no_such_symbol_here')).toThrow(ProcfsError);
    expect(() => ProcessSymbols.fromMapsText('not a maps line', { open: hostOpen })).toThrow(ParseError);
    expect(parseLinuxMaps(maps)).toHaveLength(5);
  });

  it('says which files it could not read instead of failing', async () => {
    const syms = await ProcessSymbols.fromMapsText('7f0000000000-7f0000001000 r-xp 00000000 08:01 99 /nonexistent/libgone.so\n', { open: hostOpen, roots: ['host'] });
    expect(syms.modules).toHaveLength(0);
    expect(syms.unavailable[0]?.path).toBe('/nonexistent/libgone.so');
  });

  it('a snapshot source has no maps node: a clear ENOENT, no local file read', async () => {
    const tree = await TreeProcFs.open(join(repoRoot, 'fixtures/proc-snapshots/linux'));
    const pid = (await tree.pids())[0]!;
    await expect(ProcessSymbols.forProcess(tree, pid)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

/** gdb's answers for a live process: `info address` and `info symbol`. */
function gdbAsk(pid: number, cmds: string[]): string {
  return execFileSync('gdb', ['-nx', '-batch', '-p', String(pid), ...cmds.flatMap((c) => ['-ex', c])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
}

describe.skipIf(!liveOk('symbols vs gdb'))('symbols of a live process against gdb', () => {
  it('main, a static function, a global and libc write resolve where gdb says', async () => {
    const t = startTarget('symtarget');
    await t.waitFor(/ready/);
    const syms = await ProcessSymbols.forProcess(new LinuxProcFs(), t.pid);
    const names = ['main', 'sym_static_helper', 'sym_counter', 'write'];
    const mine = names.map((n) => syms.lookup(n).address);
    const out = gdbAsk(t.pid, [
      ...names.map((n) => `info address ${n}`),
      `info symbol 0x${(mine[0]! + 12n).toString(16)}`,
      `info symbol 0x${(mine[3]! + 5n).toString(16)}`,
    ]);
    for (const [i, n] of names.entries()) {
      const m = new RegExp(`Symbol "${n}" is .*?(0x[0-9a-f]+)`).exec(out);
      expect(m, `gdb on ${n}:\n${out}`).not.toBeNull();
      expect(mine[i]).toBe(BigInt(m![1]!));
    }
    expect(out).toContain('main + 12 in section .text');
    expect(syms.describe(mine[0]! + 12n)).toBe('main+12');
    expect(out).toMatch(/write \+ 5 in section \.text of \S*libc\.so\.6/);
    expect(syms.describe(mine[3]! + 5n)).toBe('write+5');
    expect(syms.symbolAt(mine[3]!)?.module).toMatch(/libc\.so\.6$/);
    t.kill();
  });

  it('a non-PIE executable resolves with bias 0', async () => {
    buildTarget('symtarget_nopie', ['-no-pie']);
    const t = startTarget('symtarget_nopie');
    await t.waitFor(/ready/);
    const syms = await ProcessSymbols.forProcess(new LinuxProcFs(), t.pid);
    expect(syms.modules[0]!.bias).toBe(0n);
    const out = gdbAsk(t.pid, ['info address main']);
    expect(syms.lookup('main').address).toBe(BigInt(/(0x[0-9a-f]+)/.exec(out.split('Symbol "main"')[1]!)![1]!));
    t.kill();
  });
});
