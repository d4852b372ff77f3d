import { ParseError } from '../../procfs/errors.js';

/** One line of Linux `/proc/PID/maps`: what the symbolizer needs to place files. */
export interface Mapping {
  readonly start: bigint;
  readonly end: bigint;
  /** `r-xp` and the like. */
  readonly perms: string;
  /** Offset in the mapped file. */
  readonly offset: bigint;
  readonly inode: number;
  /** A file path, `[stack]`/`[vdso]`/`[heap]`, or `` for anonymous memory. */
  readonly path: string;
}

const LINE = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S{4})\s+([0-9a-f]+)\s+\S+\s+(\d+)\s*(.*)$/;

/** Parses `/proc/PID/maps` text; a line that does not fit names the line. */
export function parseMaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const m = LINE.exec(line);
    if (!m) throw new ParseError('maps', `unrecognised maps line: ${JSON.stringify(line)}`, line);
    out.push({
      start: BigInt(`0x${m[1]}`),
      end: BigInt(`0x${m[2]}`),
      perms: m[3]!,
      offset: BigInt(`0x${m[4]}`),
      inode: Number(m[5]),
      path: m[6]!,
    });
  }
  return out;
}
