import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LinuxProcFs } from '../src/procfs/sources/linux/index.js';
import { crc32, crc32Table } from '../src/elf/crc32.js';
import { findDebugFile, safeLinkName } from '../src/engine/symbols/debug-file.js';
import { clearElfCache } from '../src/engine/symbols/image-cache.js';
import { crcOfFile, hostOpen, loadElfFile } from './helpers/elf-file.js';
import type { ElfSymbol } from '../src/elf/parse.js';
import { symbolAtLinkAddress } from '../src/engine/symbols/module.js';
import { ProcessSymbols } from '../src/engine/symbols/process-symbols.js';
import { findSection, readSection } from '../src/elf/sections.js';
import { liveOk } from './helpers/root.js';
import { buildTarget, repoRoot } from './helpers/targets.js';

const LINUX = new LinuxProcFs();
let work: string;
const children = new Set<ChildProcess>();

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'pdbg-symdbg-'));
});
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

function sh(cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
}

/** A fresh directory under the suite's temp dir. */
function dir(name: string): string {
  const d = join(work, name);
  mkdirSync(d, { recursive: true });
  return d;
}

/** dbgtarget compiled with -g into `d/prog`. */
function compile(d: string, extra: string[] = []): string {
  const out = join(d, 'prog');
  sh('gcc', ['-O0', '-g', '-Wl,--build-id', '-o', out, join(repoRoot, 'test/targets/dbgtarget.c'), ...extra]);
  return out;
}

/** Splits `prog` into a stripped file and `prog.debug`; `link` adds .gnu_debuglink. */
function split(prog: string, opts: { link?: boolean; compress?: boolean } = {}): string {
  const dbg = `${prog}.debug`;
  sh('objcopy', ['--only-keep-debug', prog, dbg]);
  if (opts.compress) sh('objcopy', ['--compress-debug-sections=zlib', dbg]);
  sh('strip', ['--strip-debug', '--strip-unneeded', prog]);
  if (opts.link !== false) sh('objcopy', [`--add-gnu-debuglink=${dbg}`, prog], dirname(prog));
  return dbg;
}

async function start(path: string, args: string[] = [], cmd = path): Promise<ChildProcess> {
  const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(c);
  c.on('exit', () => children.delete(c));
  await new Promise<void>((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error(`${path}: no ready line; got ${JSON.stringify(out)}`)), 10_000);
    c.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/ready/.test(out)) {
        clearTimeout(timer);
        res();
      }
    });
  });
  return c;
}

/** The address nm gives a name in a file (link-time). */
function nmAddr(path: string, name: string): bigint {
  const m = new RegExp(`^([0-9a-f]+) \\w ${name}$`, 'm').exec(sh('nm', [path]));
  if (!m) throw new Error(`nm: no ${name} in ${path}`);
  return BigInt(`0x${m[1]}`);
}

function sym(name: string, value: number, size: number, extra: Partial<ElfSymbol> = {}): ElfSymbol {
  return { name, value: BigInt(value), size, kind: 'func', binding: 'global', table: 'symtab', ...extra };
}

describe('naming an address by symbol extent', () => {
  const table = [
    sym('_init', 0x1000, 0),
    sym('_start', 0x1080, 0x22),
    sym('outer_obj', 0x2000, 0x100, { kind: 'object' }),
    sym('__write', 0x3000, 0x40, { binding: 'local' }),
    sym('write', 0x3000, 0x40, { binding: 'weak' }),
    sym('__libc_write', 0x3000, 0x40),
    sym('big', 0x4000, 0x1000),
    sym('nested', 0x4100, 0x10, { binding: 'local' }),
    sym('label', 0x6000, 0),
  ].sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : a.name.localeCompare(b.name)));
  const at = (a: number) => symbolAtLinkAddress(table, BigInt(a))?.name;

  it('covers [value, value+size) only', () => {
    expect(at(0x1080)).toBe('_start');
    expect(at(0x10a1)).toBe('_start');
    expect(at(0x10a2)).toBeUndefined();
    expect(at(0x20ff)).toBe('outer_obj');
    expect(at(0x2100)).toBeUndefined();
    expect(at(0x0fff)).toBeUndefined();
  });

  it('takes zero-size labels at their exact address only', () => {
    expect(at(0x1000)).toBe('_init');
    expect(at(0x1004)).toBeUndefined();
    expect(at(0x6000)).toBe('label');
    expect(at(0x6001)).toBeUndefined();
  });

  it('prefers the innermost symbol, and the public global name among aliases', () => {
    expect(at(0x3010)).toBe('write');
    expect(at(0x4105)).toBe('nested');
    expect(at(0x4110)).toBe('big');
    expect(at(0x4fff)).toBe('big');
  });
});

describe('build ID, debuglink and CRC-32', () => {
  it('crc32 is zlib crc32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32Table(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32Table(Buffer.from('6789'), crc32Table(Buffer.from('12345')))).toBe(0xcbf43926);
    expect(crc32(Buffer.from('6789'), crc32(Buffer.from('12345')))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });

  it("reads libc's build ID and debuglink as readelf does, and the debuglink CRC matches its debug file", async () => {
    const libc = sh('gcc', ['-print-file-name=libc.so.6']).trim();
    const image = await loadElfFile(libc);
    const id = /Build ID: ([0-9a-f]+)/.exec(sh('readelf', ['-n', libc]))![1]!;
    expect(image.buildId).toBe(id);
    expect(image.debugLink?.file).toBe(`${id.slice(2)}.debug`);
    const dbg = `/usr/lib/debug/.build-id/${id.slice(0, 2)}/${id.slice(2)}.debug`;
    const sum = (await crcOfFile(dbg, { follow: true })).crc;
    expect(sum).toBe(image.debugLink!.crc);
    const py = Number(sh('python3', ['-c', `import zlib,sys;print(zlib.crc32(open(sys.argv[1],'rb').read()))`, dbg]).trim());
    expect(sum).toBe(py);
  });

  it('refuses debuglink names that climb out of the module directory', () => {
    expect(safeLinkName('prog.debug')).toBe(true);
    for (const bad of ['', '.', '..', '../etc/passwd', 'a/b', 'x\0y']) expect(safeLinkName(bad), bad).toBe(false);
  });
});

describe('separate debug files', () => {
  const none = () => [dir('no-debug-dir')];

  it('names a static function from the debuglinked debug file', async () => {
    const prog = compile(dir('linked'));
    const hidden = nmAddr(prog, 'dbg_hidden_fn');
    const dbg = split(prog);
    const stripped = await loadElfFile(prog);
    expect(stripped.hasSymtab).toBe(false);
    expect(stripped.symbols.some((s) => s.name === 'dbg_hidden_fn')).toBe(false);
    expect(stripped.debugLink?.file).toBe('prog.debug');
    const c = await start(prog);
    const syms = await ProcessSymbols.forProcess(LINUX, c.pid!, { debugDirs: none() });
    const exe = syms.modules[0]!;
    expect(exe.debugFile).toBe(`/proc/${c.pid}/root${dbg}`);
    expect(exe.debugImage?.hasSymtab).toBe(true);
    const h = syms.lookup('dbg_hidden_fn');
    expect(h.address).toBe(hidden + exe.bias);
    expect(syms.describe(h.address + 4n)).toBe('dbg_hidden_fn+4');
    expect(syms.locate(h.address + 4n).symbol?.name).toBe('dbg_hidden_fn');
    c.kill('SIGKILL');
  });

  it('refuses a debuglinked file whose CRC does not match', async () => {
    const d = dir('badcrc');
    const prog = compile(d);
    const dbg = split(prog);
    const bytes = readFileSync(dbg);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(dbg, bytes);
    const image = await loadElfFile(prog);
    expect(await findDebugFile(image, prog, { open: hostOpen, roots: ['host'], debugDirs: none() })).toBeUndefined();
    // The same file with the right bytes is taken.
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(dbg, bytes);
    expect((await findDebugFile(image, prog, { open: hostOpen, roots: ['host'], debugDirs: none() }))?.via).toBe('debuglink');
  });

  it('finds the debug file in .debug/ and reads zlib-compressed sections', async () => {
    const d = dir('compressed');
    const prog = compile(d);
    const plainDbg = `${prog}.plain`;
    sh('objcopy', ['--only-keep-debug', prog, plainDbg]);
    const infoSize = (await loadElfFile(plainDbg)).sections.find((s) => s.name === '.debug_info')!.size;
    const dbg = split(prog, { compress: true });
    mkdirSync(join(d, '.debug'));
    copyFileSync(dbg, join(d, '.debug', 'prog.debug'));
    unlinkSync(dbg);
    const found = await findDebugFile(await loadElfFile(prog), prog, { open: hostOpen, roots: ['host'], debugDirs: none() });
    expect(found?.path).toBe(join(d, '.debug', 'prog.debug'));
    const info = found!.image.sections.find((s) => s.name === '.debug_info')!;
    expect(info.flags & 0x800).toBe(0x800);
    expect(info.size).toBeLessThan(infoSize);
    expect((await readSection(found!.image, '.debug_info'))?.length).toBe(infoSize);
    expect(await readSection(found!.image, '.debug_info')).toBe(await readSection(found!.image, '.debug_info'));
    // Code is NOBITS in a debug file: no bytes to give.
    expect((await readSection(found!.image, '.text'))).toBeUndefined();
    expect(found!.image.symbols.some((s) => s.name === 'dbg_hidden_fn')).toBe(true);
  });

  it('finds the debug file by build ID under a debug directory, and checks the ID', async () => {
    const d = dir('buildid');
    const prog = compile(d);
    const other = compile(dir('buildid-other'), ['-DOTHER=1', '-O1']);
    const dbg = split(prog, { link: false });
    const image = await loadElfFile(prog);
    expect(image.debugLink).toBeUndefined();
    const id = image.buildId!;
    expect(id).toMatch(/^[0-9a-f]{40}$/);
    const root = dir('buildid-root');
    const place = join(root, '.build-id', id.slice(0, 2), `${id.slice(2)}.debug`);
    mkdirSync(dirname(place), { recursive: true });
    // Another program's debug file at the right name is not taken.
    sh('objcopy', ['--only-keep-debug', other, place]);
    expect(await findDebugFile(image, prog, { open: hostOpen, roots: ['host'], debugDirs: [root] })).toBeUndefined();
    copyFileSync(dbg, place);
    const found = await findDebugFile(image, prog, { open: hostOpen, roots: ['host'], debugDirs: [root] });
    expect(found).toMatchObject({ path: place, via: 'build-id' });
    expect(found!.image.buildId).toBe(id);
  });

  it('gives the unwinder .eh_frame and .eh_frame_hdr with their addresses', async () => {
    const prog = buildTarget('symtarget');
    const image = await loadElfFile(prog);
    const eh = findSection(image, '.eh_frame')!;
    expect(eh.addr).toBeGreaterThan(0n);
    expect((await readSection(image, '.eh_frame'))?.length).toBe(eh.size);
    expect((await readSection(image, '.eh_frame_hdr'))?.readUInt8(0)).toBe(1);
    expect((await readSection(image, '.no_such_section'))).toBeUndefined();
  });
});

/** gdb's `info symbol` for each address: `NAME+OFF`, or undefined for "No symbol matches". */
function gdbInfoSymbol(pid: number, addrs: bigint[]): (string | undefined)[] {
  const out = sh('gdb', ['-nx', '-batch', '-p', String(pid), ...addrs.flatMap((a) => ['-ex', `info symbol 0x${a.toString(16)}`])]);
  const lines = out.split('\n').filter((l) => / in section |^No symbol matches/.test(l));
  expect(lines, out).toHaveLength(addrs.length);
  return lines.map((l) => {
    const m = /^(\S+)(?: \+ (\d+))? in section /.exec(l);
    if (!m) return undefined;
    return m[2] ? `${m[1]}+${m[2]}` : m[1];
  });
}

describe.skipIf(!liveOk('symbols-debug live'))('real processes', () => {
  it("names libc addresses as gdb's info symbol does, with libc6-dbg's symtab", async () => {
    const c = spawn('sleep', ['100'], { stdio: 'ignore' });
    children.add(c);
    // Until it sleeps, the pc is elsewhere (ld.so, or exec not done).
    let pc = 0n;
    for (let i = 0; i < 200; i++) {
      const f = readFileSync(`/proc/${c.pid}/syscall`, 'utf8').trim().split(' ');
      if (f[0] === '230' || f[0] === '35') {
        pc = BigInt(f[f.length - 1]!);
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(pc).not.toBe(0n);
    clearElfCache();
    const plain = await ProcessSymbols.forProcess(LINUX, c.pid!, { debugFiles: false });
    clearElfCache();
    const syms = await ProcessSymbols.forProcess(LINUX, c.pid!);
    const libc = syms.modules.find((m) => /\/libc\.so\.6$/.test(m.path))!;
    expect(libc.debugFile).toMatch(/\/usr\/lib\/debug\/\.build-id\/[0-9a-f]{2}\/[0-9a-f]+\.debug$/);
    // The debug file's .symtab joins .dynsym: many more names than the stripped file alone.
    const plainLibc = plain.modules.find((m) => /\/libc\.so\.6$/.test(m.path))!;
    expect(libc.symbols.length).toBeGreaterThan(2 * plainLibc.symbols.length);
    const addrs = [pc, ...['write', 'malloc', 'printf', 'nanosleep', 'memcpy', 'strlen'].map((n) => syms.lookup(n).address + 3n)];
    // PLT stubs, named by the GOT slot they jump through (.plt stubs are not in relocation
    // order in libc; .plt.got ones jump through GLOB_DAT slots).
    const stubs = ['realloc@plt', 'free@plt'].map((n) => libc.symbols.find((s) => s.name === n));
    const irel = libc.symbols.find((s) => s.name.startsWith('*ABS*+0x'));
    for (const st of [...stubs, irel]) {
      expect(st).toBeDefined();
      addrs.push(st!.value + libc.bias + 2n);
    }
    // A gap in .text: past the end of a function, before the next symbol starts.
    const text = findSection(libc.image, '.text')!;
    const funcs = libc.symbols.filter((s) => s.kind === 'func' && s.size > 0 && s.value >= text.addr && s.value < text.addr + BigInt(text.size));
    const gapAfter = funcs.find((s, i) => {
      const end = s.value + BigInt(s.size);
      const next = funcs[i + 1];
      return next && next.value > end + 4n && symbolAtLinkAddress(libc.symbols, end + 1n) === undefined;
    })!;
    const gap = gapAfter.value + BigInt(gapAfter.size) + 1n + libc.bias;
    addrs.push(gap);
    const mine = addrs.map((a) => syms.describe(a));
    expect(mine.at(-1)).toBeUndefined();
    expect(syms.describeLong(gap)).toBe(`?? (libc.so.6+0x${(gap - libc.ranges[0]!.start).toString(16)})`);
    expect(mine.slice(1, 9)).toEqual(['write+3', 'malloc+3', 'printf+3', 'nanosleep+3', 'memcpy+3', 'strlen+3', 'realloc@plt+2', 'free@plt+2']);
    expect(mine).toEqual(gdbInfoSymbol(c.pid!, addrs));
    c.kill('SIGKILL');
  });

  it('names _start of a PIE target _start', async () => {
    const prog = buildTarget('symtarget');
    const c = await start(prog);
    const syms = await ProcessSymbols.forProcess(LINUX, c.pid!);
    const exe = syms.modules[0]!;
    const entry = exe.image.entry + exe.bias;
    expect(syms.describe(entry)).toBe('_start');
    expect(syms.describe(entry + 5n)).toBe('_start+5');
    c.kill('SIGKILL');
  });

  it('reads the symbols of an executable deleted after start through map_files', async () => {
    const d = dir('deleted');
    const prog = join(d, 'prog');
    copyFileSync(buildTarget('symtarget'), prog);
    const want = nmAddr(prog, 'sym_static_helper');
    const c = await start(prog);
    unlinkSync(prog);
    expect(readFileSync(`/proc/${c.pid}/maps`, 'utf8')).toContain(`${prog} (deleted)`);
    const syms = await ProcessSymbols.forProcess(LINUX, c.pid!);
    expect(syms.unavailable).toEqual([]);
    const exe = syms.modules[0]!;
    expect(exe.image.file?.path).toMatch(new RegExp(`^/proc/${c.pid}/map_files/[0-9a-f]+-[0-9a-f]+$`));
    expect(syms.lookup('sym_static_helper').address).toBe(want + exe.bias);
    // The ELF header page: in the module, in no symbol.
    expect(syms.describe(exe.ranges[0]!.start)).toBeUndefined();
    expect(syms.describeLong(exe.ranges[0]!.start + 0x10n)).toBe('?? (prog+0x10)');
    expect(syms.describeLong(0x10n)).toBeUndefined();
    c.kill('SIGKILL');
  });

  it('reads the symbols of a chrooted process from the files inside its root', async () => {
    const jail = dir('jail');
    const src = buildTarget('symtarget');
    copyFileSync(src, join(jail, 'prog'));
    for (const m of sh('ldd', [src]).matchAll(/(\/\S+) \(0x/g)) {
      const lib = m[1]!;
      mkdirSync(join(jail, dirname(lib)), { recursive: true });
      copyFileSync(lib, join(jail, lib));
    }
    const want = nmAddr(src, 'main');
    const c = await start('/prog', [jail, '/prog'], 'chroot');
    // chroot execs the target: the pid is the jailed program's.
    const pid = c.pid!;
    const syms = await ProcessSymbols.forProcess(LINUX, pid);
    expect(syms.unavailable).toEqual([]);
    const exe = syms.modules[0]!;
    expect(syms.lookup('main').address).toBe(want + exe.bias);
    const libc = syms.modules.find((m) => /libc\.so\.6/.test(m.path))!;
    // The jail's copy of libc, not the host's (same bytes here, different inode).
    const hostLibc = await loadElfFile(sh('gcc', ['-print-file-name=libc.so.6']).trim());
    expect(libc.image.file!.ino).not.toBe(hostLibc.file!.ino);
    expect(syms.describe(syms.lookup('write').address + 5n)).toBe('write+5');
    process.stderr.write(`chroot maps path of the executable: ${exe.path}; read as ${exe.image.file!.path}\n`);
    c.kill('SIGKILL');
  });

  it('a jail\'s build-id link to an absolute host path resolves inside the jail, not on the host', async () => {
    // A static program in a chroot, stripped; its debug file exists only on the host, at an
    // absolute path the jail's /usr/lib/debug/.build-id/NN/REST.debug link names. Walked
    // through /proc/PID/root that link would reach the host's file (pdbg reading a host file on
    // the jail's say-so); resolved inside the jail it names nothing.
    const jail = dir('jail-link');
    const hostSide = dir('host-side');
    const prog = join(jail, 'prog');
    sh('gcc', ['-O0', '-g', '-static', '-Wl,--build-id', '-o', prog, join(repoRoot, 'test/targets/dbgtarget.c')]);
    const dbg = join(hostSide, 'secret.debug');
    sh('objcopy', ['--only-keep-debug', prog, dbg]);
    sh('strip', ['--strip-all', prog]);
    const id = /Build ID: ([0-9a-f]+)/.exec(sh('readelf', ['-n', prog]))![1]!;
    const linkDir = join(jail, 'usr/lib/debug/.build-id', id.slice(0, 2));
    mkdirSync(linkDir, { recursive: true });
    sh('ln', ['-s', dbg, join(linkDir, `${id.slice(2)}.debug`)]);
    const c = await start('/prog', [jail, '/prog'], 'chroot');
    clearElfCache();
    const syms = await ProcessSymbols.forProcess(LINUX, c.pid!);
    // The host's debug file would name the static function; the jail has no such file.
    expect(syms.find('dbg_hidden_fn')).toBeUndefined();
    expect(syms.modules[0]!.debugFile).toBeUndefined();
    // The same link inside the jail to a path that exists there is followed (links are by design).
    mkdirSync(join(jail, 'dbg'), { recursive: true });
    copyFileSync(dbg, join(jail, 'dbg/secret.debug'));
    unlinkSync(join(linkDir, `${id.slice(2)}.debug`));
    sh('ln', ['-s', '/dbg/secret.debug', join(linkDir, `${id.slice(2)}.debug`)]);
    clearElfCache();
    const again = await ProcessSymbols.forProcess(LINUX, c.pid!);
    expect(again.find('dbg_hidden_fn')).toBeDefined();
    c.kill('SIGKILL');
  });
});
