/**
 * The one file reader (ProcFs.openFile, a RangedFile): the ELF reader takes ranges, not files,
 * one image per file identity whichever way the file was opened, and a section read through a
 * file that changed since its parse is refused. No process and no root needed.
 */
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readSection } from '../src/elf/sections.js';
import { clearElfCache, imageOf, openImage } from '../src/engine/symbols/image-cache.js';
import { bufferFile, openThroughReads } from '../src/procfs/ranged-file.js';
import type { FileIdentity, RangedFile } from '../src/procfs/source.js';
import { buildTarget } from './helpers/targets.js';
import { hostOpen } from './helpers/elf-file.js';

/** A RangedFile over bytes in memory that counts what is read. */
function counted(bytes: Buffer, identity: FileIdentity): RangedFile & { readonly readBytes: () => number } {
  let n = 0;
  const f = bufferFile(bytes, '/counted', identity);
  return { ...f, read: async (o, len) => { const b = await f.read(o, len); n += b.length; return b; }, readBytes: () => n };
}

function identityOf(path: string): FileIdentity {
  const st = statSync(path, { bigint: true });
  return { dev: st.dev, ino: st.ino, size: Number(st.size), mtimeNs: st.mtimeNs };
}

describe('the ranged file reader', () => {
  it('parses an image from the ranges its headers and tables span, not the whole file', async () => {
    const path = buildTarget('symtarget');
    const bytes = readFileSync(path);
    clearElfCache();
    const f = counted(bytes, identityOf(path));
    const image = await imageOf(f, async () => f);
    expect(image.symbols.some((s) => s.name === 'main')).toBe(true);
    // No debug info, no code: .debug_* and .text are never read for symbols.
    const text = image.sections.find((s) => s.name === '.text')!;
    expect(f.readBytes()).toBeLessThan(bytes.length - text.size);
    // A second open of the same file (same identity) is the same image, read no further.
    const again = counted(bytes, identityOf(path));
    expect(await imageOf(again, async () => again)).toBe(image);
    expect(again.readBytes()).toBe(0);
    // And through this machine's own opener (a descriptor) too: one cache by identity.
    expect(await openImage(hostOpen, path)).toBe(image);
  });

  it('refuses a section read through a file that changed since the parse (ESTALE)', async () => {
    const path = buildTarget('symtarget');
    const bytes = readFileSync(path);
    clearElfCache();
    const id = identityOf(path);
    const image = await imageOf(bufferFile(bytes, path, id), async () => bufferFile(bytes, path, { ...id, mtimeNs: id.mtimeNs + 1n }));
    await expect(readSection(image, '.eh_frame')).rejects.toMatchObject({ code: 'ESTALE' });
    // Not cached as a failure: once the file is the parsed one again, the section reads.
    const { bindFile } = await import('../src/elf/sections.js');
    bindFile(image, async () => bufferFile(bytes, path, id));
    expect((await readSection(image, '.eh_frame'))?.length).toBe(image.sections.find((s) => s.name === '.eh_frame')!.size);
  });

  it('over a source that only has readFile/statFile: small ranges by aligned blocks, large ones whole, and the size rule holds', async () => {
    const MiB = 1 << 20;
    const bytes = Buffer.alloc(4 * MiB);
    for (let i = 0; i < bytes.length; i++) bytes[i] = i & 0xff;
    const calls: string[] = [];
    const fs = {
      statFile: async () => ({ dev: 1n, ino: 2n, size: bytes.length, mtimeNs: 3n }),
      readFile: async (_pid: number, _path: string, o: { offset?: number; length?: number } = {}) => {
        calls.push(`${o.offset}+${o.length}`);
        return bytes.subarray(o.offset ?? 0, (o.offset ?? 0) + (o.length ?? bytes.length));
      },
    };
    const f = await openThroughReads(fs, 1, '/x', {});
    // Header-sized reads near the start: one round trip for the block they share.
    expect((await f.read(4, 4)).equals(bytes.subarray(4, 8))).toBe(true);
    expect((await f.read(64, 56 * 13)).equals(bytes.subarray(64, 64 + 56 * 13))).toBe(true);
    expect(calls).toEqual([`0+${MiB}`]);
    // A range across two blocks, a large one, and one across the end of the file.
    expect((await f.read(MiB - 8, 16)).equals(bytes.subarray(MiB - 8, MiB + 8))).toBe(true);
    expect((await f.read(1_300_000, 1_200_000)).equals(bytes.subarray(1_300_000, 2_500_000))).toBe(true);
    expect((await f.read(bytes.length - 2, 64)).equals(bytes.subarray(bytes.length - 2))).toBe(true);
    expect(calls).toEqual([`0+${MiB}`, `${MiB}+${MiB}`, '1300000+1200000', `${3 * MiB}+${MiB}`]);
    await f.close();
    await expect(openThroughReads(fs, 1, '/x', { maxSize: 8 })).rejects.toMatchObject({ code: 'EFBIG' });
  });
});
