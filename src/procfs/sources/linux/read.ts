import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Synchronous reads of small /proc files into one reused buffer: a listing reads thousands of
 * them, and open+read+close on a preallocated buffer is the cheapest Node offers (no fstat, no
 * allocation, no thread pool).
 */
export class ProcReader {
  private buf = Buffer.allocUnsafe(16 * 1024);

  /** Reads the whole file; the result is valid until the next call. Throws Node's fs errors. */
  read(path: string): { buf: Buffer; len: number } {
    const fd = openSync(path, 'r');
    try {
      let len = 0;
      for (;;) {
        const n = readSync(fd, this.buf, len, this.buf.length - len, null);
        if (n === 0) break;
        len += n;
        if (len === this.buf.length) {
          const bigger = Buffer.allocUnsafe(this.buf.length * 2);
          this.buf.copy(bigger);
          this.buf = bigger;
        }
      }
      return { buf: this.buf, len };
    } finally {
      closeSync(fd);
    }
  }

  /**
   * One read(2): for files the kernel renders in a single show() call (stat, status, wchan),
   * which a 16 KiB buffer always holds; saves the second read that only returns EOF.
   */
  readOnce(path: string): { buf: Buffer; len: number } {
    const fd = openSync(path, 'r');
    try {
      return { buf: this.buf, len: readSync(fd, this.buf, 0, this.buf.length, null) };
    } finally {
      closeSync(fd);
    }
  }

  text(path: string, encoding: BufferEncoding = 'latin1'): string {
    const { buf, len } = this.read(path);
    return buf.toString(encoding, 0, len);
  }
}
