// A daemon for the FUSE crash tests: mounts a one-file toy file system on argv[2] through the
// built library (dist/), prints `ready WATCHDOG_PID`, and serves until killed or unmounted.
// Run as `node test/helpers/fuse-daemon.mjs DIR` after `npx tsc -p tsconfig.json`.
import { mountFuse } from '../../dist/src/fuse/mount.js';
import { FuseSession } from '../../dist/src/fuse/session.js';

const dir = process.argv[2];
const enoent = () => Object.assign(new Error('no such node'), { code: 'ENOENT' });
const attr = (ino) =>
  ino === 1n
    ? { ino, type: 'dir', perm: 0o555, nlink: 2, uid: 0, gid: 0, size: 0n }
    : { ino, type: 'file', perm: 0o444, nlink: 1, uid: 0, gid: 0, size: 0n };
const fs = {
  async lookup(_c, parent, name) {
    if (parent !== 1n || name !== 'hello') throw enoent();
    return { attr: attr(2n), entryTtl: 0, attrTtl: 0 };
  },
  forget() {},
  async getattr(_c, ino) {
    if (ino > 2n) throw enoent();
    return attr(ino);
  },
  async setattr(_c, ino) {
    return attr(ino);
  },
  async readlink() {
    throw Object.assign(new Error('not a link'), { code: 'EINVAL' });
  },
  async open() {
    return { fh: 1n, directIo: true };
  },
  async read(_c, _ino, _fh, offset, size) {
    return Buffer.from('hello\n').subarray(Number(offset), Number(offset) + size);
  },
  async write() {
    throw Object.assign(new Error('read-only'), { code: 'EACCES' });
  },
  async flush() {},
  async release() {},
  async opendir() {
    return { fh: 1n, directIo: false };
  },
  async readdir() {
    return [
      { name: '.', ino: 1n, type: 'dir' },
      { name: '..', ino: 1n, type: 'dir' },
      { name: 'hello', ino: 2n, type: 'file' },
    ];
  },
  async releasedir() {},
  async statfs() {
    return { blocks: 0n, bfree: 0n, files: 2n, ffree: 0n, namelen: 255 };
  },
  async access() {},
  async destroy() {},
};

try {
  const mount = await mountFuse(dir, { fsName: 'pdbg-test' });
  const session = FuseSession.start(mount, fs);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => void session.stop());
  process.stdout.write(`ready ${mount.watchdogPid ?? -1}\n`);
  await session.done;
  process.stdout.write('done\n');
} catch (e) {
  process.stderr.write(`fuse-daemon: ${e.message}\n`);
  process.exitCode = 1;
}
