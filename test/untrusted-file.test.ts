/**
 * The untrusted-file rule (src/procfs/untrusted-file.ts): what is refused and how, and that a
 * refused file is never opened at all (a device acts on open; a FIFO's writer is released by it).
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openUntrusted, openUntrustedSync } from '../src/procfs/untrusted-file.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pdbg-untrusted-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const both = async (path: string, opts: Parameters<typeof openUntrustedSync>[1] = {}) => {
  let sync: unknown;
  try {
    closeSync(openUntrustedSync(path, opts).fd);
  } catch (err) {
    sync = err;
  }
  let async_: unknown;
  try {
    await (await openUntrusted(path, opts)).handle.close();
  } catch (err) {
    async_ = err;
  }
  return [sync, async_];
};

describe('openUntrusted', () => {
  it('opens a regular file, follows a link only when asked, and bounds the size', async () => {
    const f = join(dir, 'plain');
    writeFileSync(f, 'x'.repeat(100));
    const l = join(dir, 'link');
    symlinkSync(f, l);
    expect(await both(f)).toEqual([undefined, undefined]);
    expect(await both(l, { follow: true })).toEqual([undefined, undefined]);
    for (const e of await both(l)) expect(e).toMatchObject({ code: 'ELOOP', message: `${l}: a symbolic link; refused` });
    for (const e of await both(f, { maxSize: 99 })) expect(e).toMatchObject({ code: 'EFBIG', message: `${f}: larger than 99 bytes; refused` });
    const dev = join(dir, 'to-null');
    symlinkSync('/dev/null', dev);
    for (const e of await both(dev, { follow: true })) expect(e).toMatchObject({ code: 'EINVAL', message: `${dev}: a device, not a regular file; refused` });
    for (const e of await both(join(dir, 'none'))) expect(e).toMatchObject({ message: `${join(dir, 'none')}: not found` });
  });

  it('never opens a FIFO it refuses: a writer waiting in open(2) stays blocked', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    // Any open for reading, even one closed at once, would complete the writer's open (and its
    // write then fails): the writer's exit is the evidence of an open.
    const writer = spawn('sh', ['-c', `echo x > '${fifo}'`], { stdio: 'ignore' });
    const exited = new Promise<void>((res) => writer.on('exit', () => res()));
    try {
      for (const e of await both(fifo)) expect(e).toMatchObject({ code: 'EINVAL', message: `${fifo}: a FIFO, not a regular file; refused` });
      const gone = await Promise.race([exited.then(() => true), new Promise<boolean>((res) => setTimeout(() => res(false), 1000))]);
      expect(gone, 'the FIFO was opened for reading').toBe(false);
    } finally {
      writer.kill('SIGKILL');
    }
  });
});
