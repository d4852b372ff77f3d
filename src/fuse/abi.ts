/**
 * The kernel FUSE wire format (linux/fuse.h, protocol 7.38 on this machine; fuse(4)): opcodes,
 * struct sizes and offsets, and encoders into a caller's Buffer. Everything is little-endian
 * x86-64 layout. Decoding reads fields straight out of the request slot at their offsets, so
 * a request allocates nothing here; replies are encoded into one reused Buffer.
 */
import { constants } from 'node:os';
import type { FuseAttr, FuseDirEntry, FuseFileType, FuseStatfs } from './filesystem.js';

export const KERNEL_MAJOR = 7;
/** The newest minor whose structs this file lays out. */
export const KERNEL_MINOR = 38;
export const ROOT_ID = 1n;

export const Op = {
  LOOKUP: 1,
  FORGET: 2,
  GETATTR: 3,
  SETATTR: 4,
  READLINK: 5,
  SYMLINK: 6,
  MKNOD: 8,
  MKDIR: 9,
  UNLINK: 10,
  RMDIR: 11,
  RENAME: 12,
  LINK: 13,
  OPEN: 14,
  READ: 15,
  WRITE: 16,
  STATFS: 17,
  RELEASE: 18,
  FSYNC: 20,
  SETXATTR: 21,
  GETXATTR: 22,
  LISTXATTR: 23,
  REMOVEXATTR: 24,
  FLUSH: 25,
  INIT: 26,
  OPENDIR: 27,
  READDIR: 28,
  RELEASEDIR: 29,
  FSYNCDIR: 30,
  GETLK: 31,
  SETLK: 32,
  SETLKW: 33,
  ACCESS: 34,
  CREATE: 35,
  INTERRUPT: 36,
  BMAP: 37,
  DESTROY: 38,
  IOCTL: 39,
  POLL: 40,
  NOTIFY_REPLY: 41,
  BATCH_FORGET: 42,
  FALLOCATE: 43,
  READDIRPLUS: 44,
  RENAME2: 45,
  LSEEK: 46,
  COPY_FILE_RANGE: 47,
  SETUPMAPPING: 48,
  REMOVEMAPPING: 49,
  SYNCFS: 50,
  TMPFILE: 51,
} as const;

const opNames = new Map<number, string>(Object.entries(Op).map(([k, v]) => [v, k]));

/** `READ` for 15; `op 99` for one this table does not know. */
export function opName(op: number): string {
  return opNames.get(op) ?? `op ${op}`;
}

// Struct sizes (bytes).
export const IN_HEADER = 40;
export const OUT_HEADER = 16;
export const ATTR = 88;
export const ENTRY_OUT = 40 + ATTR; // 128
export const ATTR_OUT = 16 + ATTR; // 104
export const OPEN_OUT = 16;
export const WRITE_OUT = 8;
export const STATFS_OUT = 80;
export const INIT_OUT = 64;
export const WRITE_IN = 40;
export const DIRENT_BASE = 24;

/** fuse_in_header field offsets. */
export const InHeader = { len: 0, opcode: 4, unique: 8, nodeid: 16, uid: 24, gid: 28, pid: 32, totalExtlen: 36 } as const;
/** Offsets inside each op's in-struct, relative to the end of fuse_in_header. */
export const InitIn = { major: 0, minor: 4, maxReadahead: 8, flags: 12, flags2: 16 } as const;
export const ForgetIn = { nlookup: 0 } as const;
export const BatchForgetIn = { count: 0, first: 8, oneSize: 16 } as const;
export const SetattrIn = { valid: 0, fh: 8, size: 16, mode: 68, uid: 76, gid: 80 } as const;
export const OpenIn = { flags: 0 } as const;
export const ReadIn = { fh: 0, offset: 8, size: 16 } as const;
export const WriteIn = { fh: 0, offset: 8, size: 16 } as const;
export const ReleaseIn = { fh: 0 } as const;
export const FlushIn = { fh: 0 } as const;
export const AccessIn = { mask: 0 } as const;
export const InterruptIn = { unique: 0 } as const;

export const FATTR_MODE = 1 << 0;
export const FATTR_UID = 1 << 1;
export const FATTR_GID = 1 << 2;
export const FATTR_SIZE = 1 << 3;

export const FOPEN_DIRECT_IO = 1 << 0;

export const INIT_ASYNC_READ = 1 << 0;
export const INIT_ATOMIC_O_TRUNC = 1 << 3;
export const INIT_BIG_WRITES = 1 << 5;
export const INIT_DO_READDIRPLUS = 1 << 13;
export const INIT_PARALLEL_DIROPS = 1 << 18;
export const INIT_MAX_PAGES = 1 << 22;

const S_IFMT: Record<FuseFileType, number> = { dir: 0o040000, file: 0o100000, link: 0o120000 };
/** d_type of a dirent (DT_DIR, DT_REG, DT_LNK). */
const DT: Record<FuseFileType, number> = { dir: 4, file: 8, link: 10 };

const errnos = constants.errno as Record<string, number>;
export const EIO = errnos.EIO!;
export const EINTR = errnos.EINTR!;
export const EAGAIN = errnos.EAGAIN!;
export const ENOSYS = errnos.ENOSYS!;
export const EPROTO = errnos.EPROTO!;
export const EPERM = errnos.EPERM!;

/**
 * The positive errno for an error's `code` (`ENOENT` → 2); EIO for anything without a known
 * errno name, so a file system's bug is an I/O error to the caller and never a hung request.
 */
export function errnoOf(err: unknown): number {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    const n = errnos[code];
    if (n !== undefined) return n;
  }
  return EIO;
}

/** fuse_out_header: len, error (a negative errno or 0), unique (kept as the request's two words). */
export function encodeOutHeader(buf: Buffer, len: number, errno: number, uniqueLo: number, uniqueHi: number): void {
  buf.writeUInt32LE(len, 0);
  buf.writeInt32LE(-errno, 4);
  buf.writeUInt32LE(uniqueLo, 8);
  buf.writeUInt32LE(uniqueHi, 12);
}

function writeTime(buf: Buffer, off: number, nsecOff: number, ms: number): void {
  const sec = Math.floor(ms / 1000);
  buf.writeBigUInt64LE(BigInt(sec), off);
  buf.writeUInt32LE(Math.floor((ms - sec * 1000) * 1e6), nsecOff);
}

/** struct fuse_attr at `off`; files show the size the file system says (0 for procfs nodes). */
export function encodeAttr(buf: Buffer, off: number, a: FuseAttr, defaultMtimeMs: number): void {
  buf.fill(0, off, off + ATTR);
  buf.writeBigUInt64LE(a.ino, off);
  buf.writeBigUInt64LE(a.size, off + 8);
  const ms = a.mtimeMs ?? defaultMtimeMs;
  writeTime(buf, off + 24, off + 48, ms); // atime
  writeTime(buf, off + 32, off + 52, ms); // mtime
  writeTime(buf, off + 40, off + 56, ms); // ctime
  buf.writeUInt32LE(S_IFMT[a.type] | (a.perm & 0o7777), off + 60);
  buf.writeUInt32LE(a.nlink, off + 64);
  buf.writeUInt32LE(a.uid, off + 68);
  buf.writeUInt32LE(a.gid, off + 72);
  buf.writeUInt32LE(4096, off + 80); // blksize: what stat(1) shows as IO Block
}

function writeTtl(buf: Buffer, secOff: number, nsecOff: number, ttl: number): void {
  const t = ttl > 0 ? ttl : 0;
  const sec = Math.floor(t);
  buf.writeBigUInt64LE(BigInt(sec), secOff);
  buf.writeUInt32LE(Math.floor((t - sec) * 1e9), nsecOff);
}

/** struct fuse_entry_out at `off` (generation 0: inode numbers are never reused under one mount). */
export function encodeEntryOut(buf: Buffer, off: number, a: FuseAttr, entryTtl: number, attrTtl: number, defaultMtimeMs: number): void {
  buf.writeBigUInt64LE(a.ino, off);
  buf.writeBigUInt64LE(0n, off + 8);
  writeTtl(buf, off + 16, off + 32, entryTtl);
  writeTtl(buf, off + 24, off + 36, attrTtl);
  encodeAttr(buf, off + 40, a, defaultMtimeMs);
}

/** struct fuse_attr_out at `off`. */
export function encodeAttrOut(buf: Buffer, off: number, a: FuseAttr, attrTtl: number, defaultMtimeMs: number): void {
  writeTtl(buf, off, off + 8, attrTtl);
  buf.writeUInt32LE(0, off + 12);
  encodeAttr(buf, off + 16, a, defaultMtimeMs);
}

export function encodeOpenOut(buf: Buffer, off: number, fh: bigint, openFlags: number): void {
  buf.writeBigUInt64LE(fh, off);
  buf.writeUInt32LE(openFlags, off + 8);
  buf.writeUInt32LE(0, off + 12);
}

export function encodeWriteOut(buf: Buffer, off: number, size: number): void {
  buf.writeUInt32LE(size, off);
  buf.writeUInt32LE(0, off + 4);
}

/** struct fuse_kstatfs; bavail = bfree, bsize = frsize = 4096. */
export function encodeStatfs(buf: Buffer, off: number, s: FuseStatfs): void {
  buf.fill(0, off, off + STATFS_OUT);
  buf.writeBigUInt64LE(s.blocks, off);
  buf.writeBigUInt64LE(s.bfree, off + 8);
  buf.writeBigUInt64LE(s.bfree, off + 16);
  buf.writeBigUInt64LE(s.files, off + 24);
  buf.writeBigUInt64LE(s.ffree, off + 32);
  buf.writeUInt32LE(4096, off + 40);
  buf.writeUInt32LE(s.namelen, off + 44);
  buf.writeUInt32LE(4096, off + 48);
}

export interface InitReply {
  readonly major: number;
  readonly minor: number;
  readonly maxReadahead: number;
  readonly flags: number;
  readonly maxBackground: number;
  readonly congestionThreshold: number;
  readonly maxWrite: number;
  readonly timeGran: number;
  readonly maxPages: number;
}

export function encodeInitOut(buf: Buffer, off: number, r: InitReply): void {
  buf.fill(0, off, off + INIT_OUT);
  buf.writeUInt32LE(r.major, off);
  buf.writeUInt32LE(r.minor, off + 4);
  buf.writeUInt32LE(r.maxReadahead, off + 8);
  buf.writeUInt32LE(r.flags >>> 0, off + 12);
  buf.writeUInt16LE(r.maxBackground, off + 16);
  buf.writeUInt16LE(r.congestionThreshold, off + 18);
  buf.writeUInt32LE(r.maxWrite, off + 20);
  buf.writeUInt32LE(r.timeGran, off + 24);
  buf.writeUInt16LE(r.maxPages, off + 28);
}

/** A dirent's size on the wire: 24 bytes of header, the name, padded to 8. */
export function direntSize(nameBytes: number): number {
  return (DIRENT_BASE + nameBytes + 7) & ~7;
}

/**
 * Packs entries[from…] as struct fuse_dirent into `buf` while they fit in `max` bytes. Each
 * entry's `off` is its index + 1: the offset the kernel sends back to continue after it.
 * Returns the bytes used; 0 when `from` is past the end (the end of the directory).
 */
export function packDirents(buf: Buffer, entries: readonly FuseDirEntry[], from: number, max: number): number {
  let used = 0;
  for (let i = from; i < entries.length; i++) {
    const e = entries[i]!;
    const nameLen = Buffer.byteLength(e.name);
    const size = direntSize(nameLen);
    if (used + size > max) break;
    buf.writeBigUInt64LE(e.ino, used);
    buf.writeBigUInt64LE(BigInt(i + 1), used + 8);
    buf.writeUInt32LE(nameLen, used + 16);
    buf.writeUInt32LE(DT[e.type], used + 20);
    buf.write(e.name, used + DIRENT_BASE, nameLen);
    buf.fill(0, used + DIRENT_BASE + nameLen, used + size);
    used += size;
  }
  return used;
}
