import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { fromSystemError } from '../../procfs/errors.js';
import { parseElf, type ElfImage } from './elf.js';

/**
 * ELF images by (device, inode, mtime, size): every process of a program and every attach share
 * one parse of libc, and a rebuilt binary at the same path is read again.
 */
const cache = new Map<string, ElfImage>();

export function loadElfFile(path: string): ElfImage {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw fromSystemError(err, undefined, path);
  }
  try {
    const st = fstatSync(fd, { bigint: true });
    const key = `${st.dev}:${st.ino}:${st.mtimeNs}:${st.size}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const image = parseElf((offset, length) => {
      const buf = Buffer.alloc(length);
      const n = readSync(fd, buf, 0, length, offset);
      return n === length ? buf : buf.subarray(0, n);
    });
    cache.set(key, image);
    return image;
  } finally {
    closeSync(fd);
  }
}

/** Forgets every cached image (tests). */
export function clearElfCache(): void {
  cache.clear();
}
