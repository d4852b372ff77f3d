import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ParseError } from '../src/procfs/errors.js';
import {
  findMapping,
  formatFreeBsdMap,
  formatLinuxMaps,
  freeBsdMapFromLinux,
  mapNodeFromLinux,
  parseFreeBsdMap,
  parseLinuxMaps,
  parseMap,
  type FreeBsdMapEntry,
  type MapEntry,
} from '../src/procfs/map.js';
import { liveOk } from './helpers/root.js';
import { buildTarget, killAll, repoRoot, startTarget } from './helpers/targets.js';

afterAll(killAll);

// Lines as this machine's kernel wrote them (cat -A /proc/self/maps), trimmed.
const LINUX = [
  '55ad09634000-55ad09636000 r--p 00000000 fe:00 260131                     /usr/bin/cat',
  '55ad09636000-55ad0963b000 r-xp 00002000 fe:00 260131                     /usr/bin/cat',
  '55ad209ab000-55ad209cc000 rw-p 00000000 00:00 0                          [heap]',
  '7fbcd6d66000-7fbcd6e2a000 rw-p 00000000 00:00 0 ',
  '7fbcd7070000-7fbcd7077000 r--s 00000000 fe:00 338846                     /usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache',
  '7fbcd707a000-7fbcd707e000 r--p 00000000 00:00 0                          [vvar]',
  '7ffd1c2f1000-7ffd1c312000 rw-p 00000000 00:00 0                          [stack]',
  'ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]',
].join('\n') + '\n';

function errorOf(f: () => unknown): ParseError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    return e as ParseError;
  }
  throw new Error('parsed, but should not');
}

describe('map: Linux /proc/PID/maps', () => {
  it('parses every field; anonymous memory has no path', () => {
    const m = parseLinuxMaps(LINUX);
    expect(m).toHaveLength(8);
    expect(m[1]).toEqual({
      start: 0x55ad09636000n,
      end: 0x55ad0963b000n,
      perms: { read: true, write: false, exec: true, shared: false },
      offset: 0x2000n,
      dev: 'fe:00',
      inode: 260131,
      path: '/usr/bin/cat',
    } satisfies MapEntry);
    expect(m[2]!.path).toBe('[heap]');
    expect(m[3]!.path).toBeNull();
    expect(m[4]!.perms.shared).toBe(true);
    expect(m[7]!.start).toBe(0xffffffffff600000n);
  });

  it('formats back byte for byte, padding paths to the kernel column', () => {
    expect(formatLinuxMaps(parseLinuxMaps(LINUX))).toBe(LINUX);
  });

  it('paths keep spaces, leading blanks and the (deleted) suffix; a prefix past the column is not padded', () => {
    const e: MapEntry = {
      start: 0x7f0000000000n, end: 0x7f0000001000n, perms: { read: true, write: false, exec: false, shared: false },
      offset: 0n, dev: 'fe:00', inode: 42, path: '  /tmp/a dir/data file.bin (deleted)',
    };
    const long: MapEntry = { ...e, start: 0xffff800000000000n, end: 0xffff800000001000n, offset: 0xffffffffffff0000n, dev: '103:1f', inode: 123456789012345, path: '/x' };
    const text = formatLinuxMaps([e, long]);
    // "%lu " then seq_pad's one space: two spaces, no padding.
    expect(text.split('\n')[1]).toMatch(/ 123456789012345  \/x$/);
    expect(parseLinuxMaps(text)).toEqual([e, long]);
  });

  it('a loosely padded line (a 32-bit kernel, a hand edit) still yields its path', () => {
    expect(parseLinuxMaps('08048000-08049000 r-xp 00000000 08:01 12 /bin/true\n')[0]!.path).toBe('/bin/true');
  });

  it.each([
    ['start', 'zz-55ad09636000 r--p 00000000 fe:00 1 /a'],
    ['end', '55ad09634000 r--p 00000000 fe:00 1 /a'],
    ['end', '55ad09636000-55ad09634000 r--p 00000000 fe:00 1 /a'],
    ['perms', '55ad09634000-55ad09636000 rw-x 00000000 fe:00 1 /a'],
    ['perms', '55ad09634000-55ad09636000'],
    ['offset', '55ad09634000-55ad09636000 r--p 0000g000 fe:00 1 /a'],
    ['dev', '55ad09634000-55ad09636000 r--p 00000000 fe00 1 /a'],
    ['inode', '55ad09634000-55ad09636000 r--p 00000000 fe:00 -1 /a'],
    ['inode', '55ad09634000-55ad09636000 r--p 00000000 fe:00'],
  ])('a bad %s is a ParseError naming it and the line', (field, line) => {
    const e = errorOf(() => parseLinuxMaps(LINUX + line + '\n'));
    expect(e.field).toBe(field);
    expect(e.message).toMatch(new RegExp(`^map: line 9: field '${field}' `));
  });
});

const FREEBSD = [
  '0x400000 0x468000 36 0 0xffffff00021c0800 r-x 5 1 0x1180 COW NC vnode /usr/jails/www/usr/local/sbin/httpd',
  '0x80051b000 0x80061a000 0 0 0 --- 0 0 0x0 NCOW NNC none -',
  '0x801100000 0x8012c0000 320 256 0xffffff0002693800 rw- 1 0 0x2100 COW NNC default -',
  '0x800a00000 0x800a01000 1 0 0xfffff80003c1e600 rw- 2 0 0x3000 NCOW NNC vnode /tmp/a b/c d CH 1001',
  '0x7ffffffdf000 0x7ffffffff000 3 3 0xfffff80003c1f000 rwx 1 0 0x2100 COW NNC swap - NCH -1',
].join('\n') + '\n';

describe('map: FreeBSD map lines', () => {
  it('parses the 13-field line and the 15-field line with swap accounting', () => {
    const m = parseFreeBsdMap(FREEBSD);
    expect(m[0]).toEqual({
      start: 0x400000n, end: 0x468000n, resident: 36, privResident: 0, obj: 0xffffff00021c0800n,
      perms: { read: true, write: false, exec: true }, refCount: 5, shadowCount: 1, flags: 0x1180,
      cow: true, needsCopy: true, type: 'vnode', path: '/usr/jails/www/usr/local/sbin/httpd', charge: null,
    } satisfies FreeBsdMapEntry);
    expect(m[1]).toMatchObject({ obj: 0n, type: 'none', path: null, cow: false, needsCopy: false });
    expect(m[3]).toMatchObject({ path: '/tmp/a b/c d', charge: { charged: true, uid: 1001 } });
    expect(m[4]).toMatchObject({ path: null, charge: { charged: false, uid: -1 } });
  });

  it('formats back byte for byte (NULL obj as 0, flags as 0x%x)', () => {
    expect(formatFreeBsdMap(parseFreeBsdMap(FREEBSD))).toBe(FREEBSD);
  });

  it.each([
    ['start', '400000 0x468000 36 0 0 r-x 5 1 0x0 COW NC vnode /a'],
    ['end', '0x400000 0x3ff000 36 0 0 r-x 5 1 0x0 COW NC vnode /a'],
    ['resident', '0x400000 0x468000 -36 0 0 r-x 5 1 0x0 COW NC vnode /a'],
    ['privresident', '0x400000 0x468000 36 x 0 r-x 5 1 0x0 COW NC vnode /a'],
    ['obj', '0x400000 0x468000 36 0 NULL r-x 5 1 0x0 COW NC vnode /a'],
    ['access', '0x400000 0x468000 36 0 0 rxw 5 1 0x0 COW NC vnode /a'],
    ['refcnt', '0x400000 0x468000 36 0 0 r-x 05 1 0x0 COW NC vnode /a'],
    ['shadowcnt', '0x400000 0x468000 36 0 0 r-x 5 one 0x0 COW NC vnode /a'],
    ['flags', '0x400000 0x468000 36 0 0 r-x 5 1 1180 COW NC vnode /a'],
    ['cow', '0x400000 0x468000 36 0 0 r-x 5 1 0x0 cow NC vnode /a'],
    ['needscopy', '0x400000 0x468000 36 0 0 r-x 5 1 0x0 COW N vnode /a'],
    ['type', '0x400000 0x468000 36 0 0 r-x 5 1 0x0 COW NC'],
    ['path', '0x400000 0x468000 36 0 0 r-x 5 1 0x0 COW NC vnode'],
    ['uid', '0x400000 0x468000 36 0 0 r-x 5 1 0x0 COW NC vnode /a CH root'],
  ])('a bad %s is a ParseError naming it', (field, line) => {
    const e = errorOf(() => parseFreeBsdMap(line));
    expect(e.field).toBe(field);
    expect(e.message).toMatch(new RegExp(`^map: line 1: field '${field}' `));
  });
});

// ---------------------------------------------------------------------------------------------
// Round trips

const addr = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const hexPair = fc.tuple(fc.integer({ min: 0, max: 0xfff }), fc.integer({ min: 0, max: 0xfffff })).map(
  ([a, b]) => `${a.toString(16).padStart(2, '0')}:${b.toString(16).padStart(2, '0')}`,
);
/** Path characters: separators and oddities first, then any BMP char but the newline. */
const pathChar = fc.oneof(fc.constantFrom(' ', '/', '-', '(', ')', '\t', 'é', '\\'), fc.integer({ min: 0x20, max: 0xffff }).map((c) => String.fromCharCode(c)));
const path = fc.array(pathChar, { minLength: 1, maxLength: 40 }).map((a) => a.join(''));

const linuxEntry: fc.Arbitrary<MapEntry> = fc
  .record({
    a: addr, b: addr,
    perms: fc.record({ read: fc.boolean(), write: fc.boolean(), exec: fc.boolean(), shared: fc.boolean() }),
    offset: addr, dev: hexPair, inode: fc.integer({ min: 0, max: 999_999_999_999_999 }),
    path: fc.oneof(fc.constant(null), fc.constantFrom('[heap]', '[stack]', '/usr/bin/cat (deleted)'), path),
  })
  .map(({ a, b, ...r }) => ({ start: a < b ? a : b, end: a < b ? b : a, ...r }));

/** `... CH 5` at the end of a path is read as swap accounting: the one shape a path cannot have. */
const looksCharged = (p: string | null) => p !== null && /(^| )N?CH -?(0|[1-9]\d*)$/.test(p);

const freebsdEntry: fc.Arbitrary<FreeBsdMapEntry> = fc
  .record({
    a: addr, b: addr,
    resident: fc.nat(), privResident: fc.nat(),
    obj: fc.oneof(fc.constant(0n), addr),
    perms: fc.record({ read: fc.boolean(), write: fc.boolean(), exec: fc.boolean() }),
    refCount: fc.nat(), shadowCount: fc.nat(), flags: fc.integer({ min: 0, max: 0xffffffff }),
    cow: fc.boolean(), needsCopy: fc.boolean(),
    type: fc.constantFrom('default', 'vnode', 'swap', 'device', 'phys', 'dead', 'none', 'unknown'),
    path: fc.oneof(fc.constant(null), path.filter((p) => p !== '-')),
    charge: fc.oneof(fc.constant(null), fc.record({ charged: fc.boolean(), uid: fc.integer({ min: -1, max: 4_294_967_295 }) })),
  })
  .filter((r) => r.charge !== null || !looksCharged(r.path))
  .map(({ a, b, ...r }) => ({ start: a < b ? a : b, end: a < b ? b : a, ...r }));

describe('map: round trips', () => {
  it('Linux: parseLinuxMaps(formatLinuxMaps(e)) equals e, and the text re-formats to itself', () => {
    fc.assert(
      fc.property(fc.array(linuxEntry, { maxLength: 8 }), (es) => {
        const text = formatLinuxMaps(es);
        const back = parseLinuxMaps(text);
        expect(back).toEqual(es);
        expect(formatLinuxMaps(back)).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });

  it('FreeBSD: parseFreeBsdMap(formatFreeBsdMap(e)) equals e, and the text re-formats to itself', () => {
    fc.assert(
      fc.property(fc.array(freebsdEntry, { maxLength: 8 }), (es) => {
        const text = formatFreeBsdMap(es);
        const back = parseFreeBsdMap(text);
        expect(back).toEqual(es);
        expect(formatFreeBsdMap(back)).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });

  it('findMapping agrees with a linear search over sorted, disjoint mappings', () => {
    const layout = fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 50 })), { maxLength: 20 }).map((gaps) => {
      let at = 0n;
      return gaps.map(([gap, len]) => {
        const start = at + BigInt(gap) * 0x1000n;
        at = start + BigInt(len) * 0x1000n;
        return { start, end: at };
      });
    });
    fc.assert(
      fc.property(layout, fc.bigInt({ min: 0n, max: 3000n * 0x1000n }), (es, a) => {
        expect(findMapping(es, a)).toBe(es.find((e) => a >= e.start && a < e.end));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('map: the FreeBSD line pdbg serves for Linux mappings', () => {
  it('fills what Linux lacks as documented', () => {
    const node = mapNodeFromLinux(LINUX);
    const m = parseFreeBsdMap(node);
    expect(m.map((e) => e.type)).toEqual(['vnode', 'vnode', 'default', 'default', 'vnode', 'phys', 'default', 'phys']);
    expect(m[0]).toEqual({
      start: 0x55ad09634000n, end: 0x55ad09636000n, resident: 0, privResident: 0, obj: 0n,
      perms: { read: true, write: false, exec: false }, refCount: 0, shadowCount: 0, flags: 0,
      cow: true, needsCopy: false, type: 'vnode', path: '/usr/bin/cat', charge: null,
    } satisfies FreeBsdMapEntry);
    expect(m[4]!.cow).toBe(false); // the shared gconv cache
    expect(m[3]!.path).toBeNull();
    expect(node.split('\n')[3]).toBe('0x7fbcd6d66000 0x7fbcd6e2a000 0 0 0 rw- 0 0 0x0 COW NNC default -');
    expect(freeBsdMapFromLinux(parseLinuxMaps(LINUX)[1]!, { resident: 5, privResident: 2 })).toMatchObject({ resident: 5, privResident: 2 });
  });

  it('parseMap reads either format into the same starts, ends and paths', () => {
    const fromLinux = parseMap(LINUX);
    const fromNode = parseMap(mapNodeFromLinux(LINUX));
    expect(fromNode.map((e) => [e.start, e.end, e.path, e.perms.shared])).toEqual(fromLinux.map((e) => [e.start, e.end, e.path, e.perms.shared]));
    expect(findMapping(fromNode, 0x55ad09637123n)?.path).toBe('/usr/bin/cat');
  });
});

describe('map: fixture trees', () => {
  it('every freebsd/ map parses, is in address order, re-formats byte for byte, and maps its file first', () => {
    const dir = join(repoRoot, 'fixtures/proc-snapshots/freebsd');
    let withText = 0;
    for (const pid of readdirSync(dir).filter((n) => /^\d+$/.test(n))) {
      const raw = readFileSync(join(dir, pid, 'map'), 'latin1');
      const m = parseFreeBsdMap(raw);
      expect(formatFreeBsdMap(m)).toBe(raw);
      for (let i = 1; i < m.length; i++) expect(m[i]!.start >= m[i - 1]!.end).toBe(true);
      if (m.length === 0) continue; // a kernel process has no user map
      withText++;
      const file = readFileSync(join(dir, pid, 'file'), 'latin1');
      expect(m[0]).toMatchObject({ type: 'vnode', path: file, perms: { read: true, write: false, exec: true } });
      expect(m[m.length - 1]!.end).toBe(0x800000000000n); // the amd64 user stack top
    }
    expect(withText).toBeGreaterThanOrEqual(15);
  });
});

// ---------------------------------------------------------------------------------------------

describe.skipIf(!liveOk('map: live process'))('map: a live process', () => {
  const dirs: string[] = [];
  afterAll(() => {
    killAll();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('reads /proc/PID/maps exactly, finds main, heap, stack, shared memory and a file with spaces', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pdbg map '));
    dirs.push(dir);
    const file = join(dir, 'data file.bin');
    writeFileSync(file, Buffer.alloc(4096, 7));
    const exe = realpathSync(buildTarget('maptarget'));
    const t = startTarget('maptarget', [file]);
    const line = await t.waitFor(/main=\S+ heap=\S+ stack=\S+ shared=\S+ file=\S+\n/);
    const at = (k: string) => BigInt(new RegExp(`${k}=(0x[0-9a-f]+)`).exec(line)![1]!);

    const text = readFileSync(`/proc/${t.pid}/maps`, 'latin1');
    const maps = parseLinuxMaps(text);
    expect(formatLinuxMaps(maps)).toBe(text);

    const main = findMapping(maps, at('main'))!;
    expect(main.path).toBe(exe);
    expect(main.perms).toEqual({ read: true, write: false, exec: true, shared: false });
    expect(main.inode).toBe(statSync(exe).ino);
    expect(findMapping(maps, at('heap'))!.path).toBe('[heap]');
    expect(findMapping(maps, at('stack'))!.path).toBe('[stack]');
    const shared = findMapping(maps, at('shared'))!;
    expect(shared.perms.shared).toBe(true);
    expect(shared.path).toMatch(/^\/dev\/zero/); // Linux backs shared anonymous memory by a shmem file
    const mapped = findMapping(maps, at('file'))!;
    expect(mapped).toMatchObject({ path: file, offset: 0n, inode: statSync(file).ino });
    expect(findMapping(maps, 0n)).toBeUndefined();

    // The FreeBSD node built from it: same ranges, types from the backing, path with its spaces.
    const node = mapNodeFromLinux(text);
    const fb = parseFreeBsdMap(node);
    expect(formatFreeBsdMap(fb)).toBe(node);
    expect(fb.map((e) => [e.start, e.end])).toEqual(maps.map((e) => [e.start, e.end]));
    expect(findMapping(fb, at('main'))).toMatchObject({ type: 'vnode', path: exe, cow: true });
    expect(findMapping(fb, at('heap'))).toMatchObject({ type: 'default', path: '[heap]' });
    expect(findMapping(fb, at('shared'))!.cow).toBe(false);
    expect(findMapping(fb, at('file'))!.path).toBe(file);
    expect(fb.find((e) => e.path === '[vdso]')?.type).toBe('phys');
    expect(findMapping(parseMap(node), at('file'))!.path).toBe(file);

    // Unlinked while mapped: Linux appends " (deleted)"; both formats keep it.
    unlinkSync(file);
    const after = readFileSync(`/proc/${t.pid}/maps`, 'latin1');
    expect(formatLinuxMaps(parseLinuxMaps(after))).toBe(after);
    expect(findMapping(parseLinuxMaps(after), at('file'))!.path).toBe(`${file} (deleted)`);
    expect(findMapping(parseFreeBsdMap(mapNodeFromLinux(after)), at('file'))!.path).toBe(`${file} (deleted)`);
    t.kill();
    await t.exited();
  });
});
