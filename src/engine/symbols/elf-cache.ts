import { closeSync, fstatSync, readSync } from 'node:fs';
import { openUntrustedSync } from '../../procfs/untrusted-file.js';
import { parseElf, type ByteReader, type ElfFileIdentity, type ElfImage } from './elf.js';

/**
 * ELF images by (device, inode, mtime, size): every process of a program and every attach share
 * one parse of libc, and a rebuilt binary at the same path is read again. Debug files go through
 * the same cache, so libc's 4 MB debug file is parsed once per pdbg process.
 */
const cache = new Map<string, ElfImage>();

/** The cache key of an identity: two opens of the same unchanged file give the same key. */
export function identityKey(id: Pick<ElfFileIdentity, 'dev' | 'ino' | 'mtimeNs' | 'size'>): string {
  return `${id.dev}:${id.ino}:${id.mtimeNs}:${id.size}`;
}

/** An open file's identity, from fstat. */
export function fdIdentity(fd: number, path: string): ElfFileIdentity {
  const st = fstatSync(fd, { bigint: true });
  return { path, dev: st.dev, ino: st.ino, mtimeNs: st.mtimeNs, size: st.size };
}

/** A ByteReader over an open descriptor (short at end of file). */
export function fdReader(fd: number): ByteReader {
  return (offset, length) => {
    const buf = Buffer.alloc(length);
    const n = readSync(fd, buf, 0, length, offset);
    return n === length ? buf : buf.subarray(0, n);
  };
}

/**
 * How a file is opened. Every path pdbg reads for symbols is named by the target's side (a
 * maps line, a debug link, a build ID), so it goes through the untrusted-file rule: no FIFO,
 * device or socket is ever opened (a FIFO debug link used to block pdbg in open(2) for ever
 * with the target held), and `maxSize` bounds what a candidate may cost.
 */
export interface OpenRule {
  /** Follow a symbolic link in the last component (default true). */
  readonly follow?: boolean;
  readonly maxSize?: number;
}

export function openOrThrow(path: string, rule: OpenRule = {}): number {
  return openUntrustedSync(path, { follow: rule.follow ?? true, ...(rule.maxSize !== undefined ? { maxSize: rule.maxSize } : {}) }).fd;
}

export function loadElfFile(path: string, rule: OpenRule = {}): ElfImage {
  const fd = openOrThrow(path, rule);
  try {
    const id = fdIdentity(fd, path);
    const key = identityKey(id);
    const hit = cache.get(key);
    if (hit) return hit;
    const image = parseElf(fdReader(fd), id);
    cache.set(key, image);
    return image;
  } finally {
    closeSync(fd);
  }
}

/** An image cached under `key` (images fetched through a source use their own keys). */
export function cachedImage(key: string): ElfImage | undefined {
  return cache.get(key);
}

export function rememberImage(key: string, image: ElfImage): void {
  cache.set(key, image);
}

/** Forgets every cached image (tests). */
export function clearElfCache(): void {
  cache.clear();
}
