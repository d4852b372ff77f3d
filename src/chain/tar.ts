/** One regular file of an archive. */
export interface TarEntry {
  /** Relative path, `/`-separated, no `..`. */
  readonly path: string;
  readonly data: Buffer;
  /** True for a file that must stay executable (bin/pdbg.js). */
  readonly executable?: boolean;
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

// ustar splits a long path at a `/` into prefix (155) and name (100).
function splitPath(path: string): [string, string] {
  if (Buffer.byteLength(path) <= 100) return ['', path];
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return [prefix, name];
  }
  throw new Error(`tar: path too long for ustar: ${path}`);
}

function header(e: TarEntry): Buffer {
  const h = Buffer.alloc(512);
  const [prefix, name] = splitPath(e.path);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(e.executable ? 0o755 : 0o644, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(e.data.length, 12), 124, 'ascii');
  // mtime 0 and no owner names: the same files always make the same bytes, hence the same hash.
  h.write(octal(0, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write('0', 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

/**
 * A ustar archive of regular files (parent directories are implied, as tar extracts them),
 * in the order given. Small on purpose: the agent bundle is the only archive pdbg makes.
 */
export function tarArchive(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    if (e.path.startsWith('/') || e.path.split('/').includes('..')) throw new Error(`tar: unsafe path ${e.path}`);
    parts.push(header(e), e.data);
    const pad = (512 - (e.data.length % 512)) % 512;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
