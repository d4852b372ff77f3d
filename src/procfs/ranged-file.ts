/**
 * Helpers around RangedFile (source.ts): one file opened through a source and read by ranges,
 * the only view of a file the ELF and DWARF readers (src/elf/, src/dwarf/) and the engine's
 * symbol loader have. Live Linux backs it with a
 * descriptor, so a 100 MB executable costs the few ranges its headers and symbol tables span;
 * a remote source with ranged READFILEs; a core-file source will with its own file. Nothing above
 * the model opens a path itself, so a jailed target's or a far machine's files are read as that
 * target sees them, by the source that knows how.
 */
import { ProcfsError } from './errors.js';
import type { FileIdentity, OpenFileOptions, OpenRule, ProcFs, RangedFile } from './source.js';

/** The cache key of an identity: equal for two opens of the same unchanged file. */
export function identityKey(id: Pick<FileIdentity, 'dev' | 'ino' | 'mtimeNs'> & { readonly size: number | bigint }): string {
  return `${id.dev}:${id.ino}:${id.mtimeNs}:${id.size}`;
}

/** EFBIG when a file is larger than the rule accepts (for sources that learn the size only after opening). */
export function checkSize(size: number, path: string, rule: OpenRule, pid?: number): void {
  if (rule.maxSize !== undefined && size > rule.maxSize) {
    const text = rule.maxSize >= 1 << 20 ? `${Math.round(rule.maxSize / (1 << 20))} MiB` : `${rule.maxSize} bytes`;
    throw new ProcfsError('EFBIG', `${path}: larger than ${text}; refused`, pid);
  }
}

/** Bytes in memory as a RangedFile (a file already fetched; tests). Its identity is made up unless given. */
export function bufferFile(bytes: Buffer, path = '(memory)', identity?: FileIdentity): RangedFile {
  return {
    path,
    identity: identity ?? { dev: 0n, ino: 0n, size: bytes.length, mtimeNs: 0n },
    read: async (offset, length) => bytes.subarray(offset, offset + length),
    close: async () => undefined,
  };
}

/**
 * What one readFile fetches at least for a small range. A source behind readFile pays a round
 * trip per call (an agent over ssh; a mount, where each call is an open, a read and a close
 * through FUSE and the server's in-root resolution), and the ELF reader asks for a dozen small
 * ranges per file that mostly lie in its first and last few hundred KiB (headers, .dynsym,
 * .dynstr and the relocations at the start, section headers at the end): fetched by aligned
 * blocks, a module costs a few calls instead of one per range. Measured on python3 over a
 * mount (18 modules), unblocked ranges made the cold symbol load 4 times slower than the
 * whole-file fetches they replaced.
 */
const BLOCK = 1 << 20;
/** Blocks kept per open file: 8 MiB, released with the file. */
const BLOCKS_KEPT = 8;

/**
 * A RangedFile over a source's readFile/statFile (a remote hop, a tree, the fake): the identity
 * once at open; a small range read with its aligned block, kept for the ranges after it; a large
 * one as one readFile of its own. `fetch` is bound to the source, the pid and the ref.
 */
export function rangedOverReads(
  path: string,
  identity: FileIdentity,
  fetch: (offset: number, length: number) => Promise<Buffer>,
): RangedFile {
  const blocks = new Map<number, Promise<Buffer>>();
  const block = (i: number): Promise<Buffer> => {
    let got = blocks.get(i);
    if (!got) {
      got = fetch(i * BLOCK, Math.min(BLOCK, Math.max(0, identity.size - i * BLOCK)));
      got.catch(() => blocks.delete(i));
      if (blocks.size >= BLOCKS_KEPT) blocks.delete(blocks.keys().next().value!);
      blocks.set(i, got);
    }
    return got;
  };
  return {
    path,
    identity,
    async read(offset, length) {
      const end = Math.min(offset + length, identity.size);
      if (length === 0 || offset >= end) return Buffer.alloc(0);
      if (end - offset >= BLOCK) return fetch(offset, length);
      const first = Math.floor(offset / BLOCK);
      const last = Math.floor((end - 1) / BLOCK);
      const parts: Buffer[] = [];
      for (let i = first; i <= last; i++) parts.push(await block(i));
      const joined = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      return joined.subarray(offset - first * BLOCK, end - first * BLOCK);
    },
    async close() {
      blocks.clear();
    },
  };
}

/**
 * ProcFs.openFile for a source whose files come whole or by range from readFile/statFile (a
 * remote hop, a mounted tree, the fake; a tree refuses both with EOPNOTSUPP): the identity once,
 * each range one readFile with the same FileRef. The follow rule is the far side's own (its
 * READFILE opens by the in-root rules); the size rule is checked here.
 */
export async function openThroughReads(fs: Pick<ProcFs, 'readFile' | 'statFile'>, pid: number, path: string, opts: OpenFileOptions = {}): Promise<RangedFile> {
  const { follow: _follow, maxSize: _max, ...ref } = opts;
  const identity = await fs.statFile(pid, path, ref);
  checkSize(identity.size, path, opts, pid);
  return rangedOverReads(path, identity, (offset, length) => fs.readFile(pid, path, { ...ref, offset, length }));
}
