/**
 * The pdbg procfs as a FUSE file system (`pdbg mount`): what FreeBSD's procfs.c is over
 * pseudofs, one table served as files. The tree comes from NODE_TABLE (name, mode, scope, file
 * or link) and every answer from a `ProcFs`, so the same code serves the live source, a tree
 * and a chain (`--via`). tree.ts holds the names; target-files.ts root/ and map_files/, the
 * target's files, so an engine with nothing but the mount has symbols.
 *
 * Files are zero-size and opened direct_io, and served as their row's `content` says
 * (node-content.ts): text read whole at offset 0, raw structs anew at each READ, `mem` at offset
 * = address. The shell's `>` truncates first (SETATTR size 0), which writable nodes accept.
 *
 * Errors: a process that is gone is ENOENT on a path (lookup, stat, open) and ESRCH on a handle
 * (read, write); everything else is the source's errno (EIO for an unmapped address, as our
 * Linux source and Linux's /proc/PID/mem give; FreeBSD's would be EFAULT; EOPNOTSUPP for an
 * unknown ctl word, EBUSY, …).
 *
 * Access (access.ts) and jail scoping (jail-scope.ts) are checked on every path operation
 * (LOOKUP, GETATTR, ACCESS, OPEN, READDIR, READLINK) from the request's uid/gid/pid, and again
 * on READ/WRITE whenever the caller is not the one that last passed on that handle, so a
 * descriptor passed to another process is checked against that process, as FreeBSD's pfs_read
 * calls the node's visibility check with the reading thread. A handle opened by root and
 * passed to a user is the user's, then. A non-root caller of a privileged node is checked on
 * every request (the target may have exec'd a set-id program since: P_SUGID); root is not
 * re-checked while it stays a caller that passed (the last few callers that passed are kept per
 * handle: the request header names the calling thread, so one debugger's main thread and its
 * I/O pool threads are several callers), which keeps a mem read at one source call.
 * A handle follows the process it was opened on: a check that finds another process under the
 * pid (a new start time) is ESRCH; root's unchecked reads follow the pid.
 */
import type { FuseAttr, FuseCaller, FuseDirEntry, FuseEntry, FuseFilesystem, FuseOpened, FuseSetattr, FuseStatfs } from '../fuse/filesystem.js';
import { parseCtl } from '../procfs/ctl.js';
import { ProcfsError } from '../procfs/errors.js';
import { parseJailNode } from '../procfs/jail-node.js';
import type { FileCaller, NodeOptions, ProcFs } from '../procfs/source.js';
import { parseStatusBytes, type ProcStatus } from '../procfs/status.js';
import { canDebug, DIR_PERM, dirAccess, LINK_PERM, nodeAccess, nodePerm, wantOfFlags, wantOfMask, type Refusal, type Want } from './access.js';
import { Controllers, type ControllerOptions } from './controllers.js';
import { encodableId, inoOf, itemOf, LookupCounts, ROOT_INO, type Item } from './inodes.js';
import { sees, JailScope, type CallerScope } from './jail-scope.js';
import { FileSlots } from './file-slots.js';
import { callerGroups, callerProcess, identify, tgidOf } from './local-procs.js';
import { callerKey, readNode, rememberChecked, startKey, takesWord, type NodeHandle } from './node-content.js';
import { lookupUnderRoot, mappingNamed, mappingNames, TargetFileInodes, type TargetFileItem, type TargetFileRef } from './target-files.js';
import { childOf, FILE_PERM, FILES_DIR_PERM, noEntry, onPath, PROCESS_NODES, THREAD_NODES, typeOf, type AnyItem, type NodeItem } from './tree.js';
import { Waits } from './waits.js';

export interface ProcfsFilesystemOptions {
  /**
   * The source's processes are this machine's (the live local source): jailed callers then see
   * their own jail's, and `curproc` exists. False for a chain or a tree.
   */
  readonly sameMachine: boolean;
  /** The daemon's machine's /proc, where callers are looked up; default /proc. */
  readonly procRoot?: string;
  readonly controllers?: ControllerOptions;
  /** One line per notable event (a release on a controller's exit). */
  readonly log?: (line: string) => void;
  /**
   * The int3 bytes callers planted and not taken out, whole, each time the set changes (same
   * machine only: a process's start time tells it from a later one with its pid), for the
   * mount's watchdog to put back if the daemon is SIGKILLed (src/fuse/watchdog.ts).
   */
  readonly onPlanted?: (bytes: readonly { pid: number; start: string; addr: bigint; original: number }[]) => void;
}

/** What a directory handle listed at its first READDIR (the session pages it by offset). */
interface DirHandle {
  readonly ino: bigint;
  listing?: readonly FuseDirEntry[];
}

function refused(r: Refusal, what: string): ProcfsError {
  return new ProcfsError(r.code, `${what}: ${r.reason}`);
}

export class ProcfsFilesystem implements FuseFilesystem {
  private readonly jails: JailScope;
  private readonly procRoot: string;
  private readonly waits = new Waits();
  readonly controllers: Controllers;
  private readonly lookups = new LookupCounts();
  private readonly handles = new Map<bigint, NodeHandle>();
  private readonly tfiles = new TargetFileInodes();
  /** Open target files: where their bytes come from, and who passed the checks on them. */
  private readonly fileHandles = new Map<bigint, { readonly item: TargetFileItem; readonly checked: string[] }>();
  private readonly fileSlots = new FileSlots();
  private readonly dirs = new Map<bigint, DirHandle>();
  /** The status line and jail of each target attached through the mount, as last seen alive. */
  private readonly lastSeen = new Map<number, [Buffer, number | null]>();
  private nextFh = 1n;
  private readonly mountedMs = Date.now();
  private releasing: Promise<number> | undefined;
  private releasedAtEnd = 0;
  /** The planted set last sent to onPlanted, as text. */
  private plantedSent = '';

  constructor(
    private readonly fs: ProcFs,
    private readonly opts: ProcfsFilesystemOptions,
  ) {
    this.procRoot = opts.procRoot ?? '/proc';
    this.jails = new JailScope({ sameMachine: opts.sameMachine, procRoot: this.procRoot });
    this.controllers = new Controllers(fs, this.waits, { procRoot: this.procRoot, ...(opts.log && { log: opts.log }), ...opts.controllers });
  }

  /** Counters for the session's stats line. */
  stats(): Readonly<Record<string, number>> {
    return {
      handles: this.handles.size,
      dirHandles: this.dirs.size,
      inodesHeld: this.lookups.size,
      controlled: this.controllers.pids().length,
      releasedOnExit: this.controllers.releasedCount,
    };
  }

  /** References the kernel holds on `ino` (LOOKUPs not yet given back by FORGET). */
  lookupCount(ino: bigint): bigint {
    return this.lookups.of(ino);
  }

  // ---- who asks, and what they may see ----------------------------------------------------------

  /**
   * The target's status as the caller may see it: ENOENT when the caller's jail does not hold
   * it (or the caller has none), the source's ESRCH when it is gone.
   */
  private async visible(caller: FuseCaller, pid: number, tid?: number): Promise<ProcStatus> {
    const scope = this.jails.scopeOf(caller.pid);
    if (scope.kind === 'nowhere') throw new ProcfsError('ENOENT', `no process ${pid} (${scope.why})`, pid);
    const opts: NodeOptions = tid === undefined ? {} : { tid };
    let line: Buffer;
    let jid: number | null;
    try {
      [line, jid] = await Promise.all([this.fs.read(pid, 'status', opts), this.jidIfJailed(scope, pid)]);
    } catch (e) {
      // A target attached through this mount that died (killed, exited) has no status any more,
      // but its controller still reads why and writes wait and detach, as the live source
      // serves them: until the detach, its directory answers with what it was.
      const last = tid === undefined && this.controllers.of(pid) ? this.lastSeen.get(pid) : undefined;
      if (!last || !(e instanceof ProcfsError) || e.code !== 'ESRCH') throw e;
      [line, jid] = last;
    }
    if (!sees(scope, jid)) throw new ProcfsError('ESRCH', `no process ${pid}`, pid);
    if (tid === undefined) {
      if (this.controllers.of(pid)) this.lastSeen.set(pid, [line, jid]);
      else this.lastSeen.delete(pid);
    }
    return parseStatusBytes(line);
  }

  private async jidIfJailed(scope: CallerScope, pid: number): Promise<number | null> {
    if (scope.kind !== 'jail') return null;
    return parseJailNode((await this.fs.read(pid, 'jail')).toString('latin1')).jid;
  }

  /** `tid` is a thread of `pid` (a source may answer a thread's status for any tid). */
  private async ownThread(pid: number, tid: number): Promise<void> {
    if (!(await this.fs.threads(pid)).includes(tid)) throw new ProcfsError('ENOENT', `pid ${pid} has no thread ${tid}`, pid);
  }

  /** The caller's own process (curproc), on this machine; undefined when it has none here. */
  private curproc(caller: FuseCaller): number | undefined {
    if (!this.opts.sameMachine) return undefined;
    if (this.jails.scopeOf(caller.pid).kind === 'nowhere') return undefined;
    return tgidOf(caller.pid, this.procRoot);
  }

  /** Attributes of `item` as `caller` sees it; ENOENT when it does not (or no longer) exists. */
  private async attrOf(caller: FuseCaller, item: AnyItem): Promise<FuseAttr> {
    if (item.kind === 'tfile') {
      const st = await this.debuggable(caller, item.pid, item.start);
      const ino = this.tfiles.inoOf(item, false);
      if (item.dir) return { ino, type: 'dir', perm: FILES_DIR_PERM, nlink: 2, uid: st.euid, gid: st.egid, size: 0n, mtimeMs: this.mountedMs };
      const f = await this.fileRef(item, caller).catch(() => Promise.reject(noEntry(item.parts.join('/'))));
      const id = await this.fileSlots.run(() => this.fs.statFile(item.pid, f.path, f.ref)).catch(() => Promise.reject(noEntry(item.parts.join('/'))));
      return { ino, type: 'file', perm: FILE_PERM, nlink: 1, uid: st.euid, gid: st.egid, size: BigInt(id.size), mtimeMs: Number(id.mtimeNs / 1_000_000n) };
    }
    if (item.kind === 'files') {
      const st = await this.visible(caller, item.pid).catch(onPath);
      return { ino: inoOf(item), type: 'dir', perm: FILES_DIR_PERM, nlink: 2, uid: st.euid, gid: st.egid, size: 0n, mtimeMs: this.mountedMs };
    }
    const ino = inoOf(item);
    switch (item.kind) {
      case 'root':
        return { ino, type: 'dir', perm: DIR_PERM, nlink: 2, uid: 0, gid: 0, size: 0n, mtimeMs: this.mountedMs };
      case 'curproc':
        if (this.curproc(caller) === undefined) throw noEntry('curproc');
        return { ino, type: 'link', perm: LINK_PERM, nlink: 1, uid: 0, gid: 0, size: 0n, mtimeMs: this.mountedMs };
      default: {
        const tid = item.kind === 'thread' || item.kind === 'node' ? item.tid : undefined;
        let st: ProcStatus;
        try {
          if (tid !== undefined) await this.ownThread(item.pid, tid);
          st = await this.visible(caller, item.pid, tid);
        } catch (e) {
          onPath(e);
        }
        const type = typeOf(item);
        const perm = item.kind === 'node' ? (item.spec.type === 'link' ? LINK_PERM : nodePerm(item.spec.mode)) : DIR_PERM;
        const nlink = type === 'dir' ? (item.kind === 'task' ? 2 : 3) : 1;
        const mtimeMs = st.start.sec >= 0 ? st.start.sec * 1000 + Math.floor(st.start.usec / 1000) : this.mountedMs;
        return { ino, type, perm, nlink, uid: st.euid, gid: st.egid, size: 0n, mtimeMs };
      }
    }
  }

  private item(ino: bigint): AnyItem | undefined {
    return itemOf(ino) ?? this.tfiles.item(ino);
  }

  /** The caller may read the target's files (p_candebug); its status, for the attributes. */
  private async debuggable(caller: FuseCaller, pid: number, start?: string): Promise<ProcStatus> {
    const st = await this.visible(caller, pid).catch(onPath);
    if (start !== undefined && startKey(st) !== start) throw noEntry(`${pid}: the process is gone`);
    const r = canDebug(caller, st);
    if (r) throw refused(r, `${pid}/files`);
    return st;
  }

  /**
   * Where a target file's bytes come from, read as `caller` could read them itself: the source
   * opens it with the caller's uid, gid and groups (the security model: see target-files.ts).
   */
  private async fileRef(it: TargetFileItem, caller: FuseCaller): Promise<TargetFileRef> {
    const as = this.fileCaller(caller);
    if (it.under === 'map_files') {
      const f = await mappingNamed(this.fs, it.pid, it.parts[0]!);
      return { path: f.path, ref: { ...f.ref, as } };
    }
    return { path: `/${it.parts.join('/')}`, ref: { root: 'target', as } };
  }

  /** The credentials a target file is opened with for `caller`: the header's ids and the thread's groups. */
  private fileCaller(caller: FuseCaller): FileCaller {
    // Over a chain the groups are still read here, where the caller runs (local-procs.ts).
    return { uid: caller.uid, gid: caller.gid, groups: callerGroups(caller.pid, caller.uid, caller.gid, this.procRoot) };
  }

  /** A name under root/ or map_files/ (or a directory of root/). */
  private async lookupFile(caller: FuseCaller, dir: Extract<AnyItem, { kind: 'files' }> | TargetFileItem, name: string): Promise<FuseEntry> {
    const st = await this.debuggable(caller, dir.pid, dir.kind === 'tfile' ? dir.start : undefined);
    const under = dir.kind === 'files' ? dir.which : dir.under;
    const parts = dir.kind === 'files' ? [name] : [...dir.parts, name];
    if (under === 'map_files' && dir.kind !== 'files') throw noEntry(name);
    let size = 0;
    let mtimeMs = this.mountedMs;
    let isDir = false;
    try {
      const as = this.fileCaller(caller);
      if (under === 'map_files') {
        const f = await mappingNamed(this.fs, dir.pid, name);
        const id = await this.fileSlots.run(() => this.fs.statFile(dir.pid, f.path, { ...f.ref, as }));
        size = id.size;
        mtimeMs = Number(id.mtimeNs / 1_000_000n);
      } else {
        const k = await this.fileSlots.run(() => lookupUnderRoot(this.fs, dir.pid, parts, as));
        if (k.kind === 'dir') isDir = true;
        else ({ size, mtimeMs } = k);
      }
    } catch (e) {
      if (e instanceof ProcfsError && (e.code === 'EACCES' || e.code === 'EPERM')) throw e;
      throw noEntry(name);
    }
    const ino = this.tfiles.inoOf({ pid: dir.pid, start: startKey(st), under, parts, dir: isDir }, true);
    const attr: FuseAttr = { ino, type: isDir ? 'dir' : 'file', perm: isDir ? FILES_DIR_PERM : FILE_PERM, nlink: isDir ? 2 : 1, uid: st.euid, gid: st.egid, size: BigInt(size), mtimeMs };
    return { attr, entryTtl: 0, attrTtl: 0 };
  }

  // ---- FuseFilesystem ---------------------------------------------------------------------------

  async lookup(caller: FuseCaller, parent: bigint, name: string): Promise<FuseEntry> {
    const dir = this.item(parent);
    if (dir?.kind === 'files' || (dir?.kind === 'tfile' && dir.dir)) return this.lookupFile(caller, dir, name);
    const item = dir && childOf(dir, name);
    if (!item) throw noEntry(name);
    const attr = await this.attrOf(caller, item);
    this.lookups.looked(attr.ino);
    // Nothing cached: a name's existence, its owner and whether this caller's jail sees it are
    // asked again each time (the kernel's dentry cache is shared by every caller).
    return { attr, entryTtl: 0, attrTtl: 0 };
  }

  forget(ino: bigint, nlookup: bigint): void {
    if (this.tfiles.forget(ino, nlookup)) return;
    this.lookups.forget(ino, nlookup);
  }

  getattr(caller: FuseCaller, ino: bigint): Promise<FuseAttr> {
    const item = this.item(ino);
    if (!item) return Promise.reject(noEntry(`inode ${ino}`));
    return this.attrOf(caller, item);
  }

  async setattr(caller: FuseCaller, ino: bigint, set: FuseSetattr): Promise<FuseAttr> {
    const item = this.item(ino);
    if (!item) throw noEntry(`inode ${ino}`);
    const attr = await this.attrOf(caller, item);
    if (set.mode !== undefined) throw new ProcfsError('EPERM', 'procfs modes are fixed by the node table');
    if (item.kind === 'tfile' || item.kind === 'files') {
      if (set.size !== undefined) throw new ProcfsError('EROFS', 'the target\'s files are read-only here');
      return attr;
    }
    if (set.size !== undefined) {
      if (item.kind !== 'node' || item.spec.type !== 'file') throw new ProcfsError('EISDIR', 'not a regular file');
      if (set.size !== 0n) throw new ProcfsError('EINVAL', `${item.spec.name}: a procfs node cannot be truncated to ${set.size} bytes`);
      // The shell's `>` truncates before it writes: fine on a node the caller may write.
      const st = await this.visible(caller, item.pid, item.tid).catch(onPath);
      const r = nodeAccess(caller, st, item.spec, { read: false, write: true });
      if (r) throw refused(r, `${item.pid}/${item.spec.name}`);
    }
    return attr;
  }

  async readlink(caller: FuseCaller, ino: bigint): Promise<Buffer> {
    const item = itemOf(ino);
    if (item?.kind === 'curproc') {
      const pid = this.curproc(caller);
      if (pid === undefined) throw noEntry('curproc');
      return Buffer.from(String(pid));
    }
    if (item?.kind !== 'node' || item.spec.type !== 'link') throw new ProcfsError('EINVAL', 'not a link');
    await this.visible(caller, item.pid).catch(onPath);
    return this.fs.read(item.pid, item.spec.name).catch(onPath);
  }

  async open(caller: FuseCaller, ino: bigint, flags: number): Promise<FuseOpened> {
    const item = this.item(ino);
    if (!item) throw noEntry(`inode ${ino}`);
    if (item.kind === 'tfile' && !item.dir) {
      if (wantOfFlags(flags).write) throw new ProcfsError('EROFS', 'the target\'s files are read-only here');
      await this.debuggable(caller, item.pid, item.start);
      const file = await this.fileRef(item, caller).catch(() => Promise.reject(noEntry(item.parts.join('/'))));
      // Opened (and closed) once now, as the caller: EACCES belongs to open(2), not to the first read.
      await this.fileSlots.run(() => this.fs.readFile(item.pid, file.path, { ...file.ref, offset: 0, length: 0 }));
      const fh = this.nextFh++;
      this.fileHandles.set(fh, { item, checked: [callerKey(caller)] });
      // Direct I/O: from the page cache a read would never reach the daemon, so a descriptor
      // root opened and passed to a user (SCM_RIGHTS) would read what root's reads cached.
      return { fh, directIo: true };
    }
    if (item.kind !== 'node' || item.spec.type !== 'file') throw new ProcfsError(item.kind === 'node' ? 'ELOOP' : 'EISDIR', 'not a regular file');
    const want = wantOfFlags(flags);
    const st = await this.granted(caller, item, want);
    const fh = this.nextFh++;
    this.handles.set(fh, { item, want, start: startKey(st), checked: [callerKey(caller)] });
    return { fh, directIo: true };
  }

  /**
   * The checks again for a caller that is not the handle's last one, and always for a non-root
   * caller of a privileged node (see the file comment).
   */
  private async recheck(caller: FuseCaller, h: NodeHandle): Promise<void> {
    const key = callerKey(caller);
    const same = h.checked.includes(key);
    if (same && (caller.uid === 0 || !h.item.spec.privileged)) return;
    const { pid, tid, spec } = h.item;
    const st = await this.visible(caller, pid, tid);
    if (startKey(st) !== h.start) throw new ProcfsError('ESRCH', `pid ${pid}: the process this file was opened on is gone (the pid is another process's now)`, pid, spec.name);
    const r = nodeAccess(caller, st, spec, h.want);
    if (r) throw refused(r, `${pid}/${spec.name}`);
    if (!same) rememberChecked(h.checked, key);
  }

  /** The node's target as the caller sees it, if `want` is granted on it (ENOENT on a path when it is not there). */
  private async granted(caller: FuseCaller, item: NodeItem, want: Want): Promise<ProcStatus> {
    let st: ProcStatus;
    try {
      if (item.tid !== undefined) await this.ownThread(item.pid, item.tid);
      st = await this.visible(caller, item.pid, item.tid);
    } catch (e) {
      onPath(e);
    }
    const r = nodeAccess(caller, st, item.spec, want);
    if (r) throw refused(r, `${item.pid}/${item.spec.name}`);
    return st;
  }

  private handle(fh: bigint): NodeHandle {
    const h = this.handles.get(fh);
    if (!h) throw new ProcfsError('EBADF', `no open file ${fh}`);
    return h;
  }

  async read(caller: FuseCaller, _ino: bigint, fh: bigint, offset: bigint, size: number): Promise<Buffer> {
    const f = this.fileHandles.get(fh);
    if (f) return this.readTargetFile(caller, f, offset, size);
    const h = this.handle(fh);
    if (!h.want.read) throw new ProcfsError('EBADF', 'not open for reading');
    await this.recheck(caller, h);
    return readNode(this.fs, h, offset, size);
  }

  async write(caller: FuseCaller, _ino: bigint, fh: bigint, offset: bigint, data: Buffer): Promise<number> {
    const h = this.handle(fh);
    if (!h.want.write) throw new ProcfsError('EBADF', 'not open for writing');
    await this.recheck(caller, h);
    const { pid, tid, spec } = h.item;
    if (spec.name === 'ctl') return this.ctl(caller, pid, data, tid);
    // A word node takes the whole write as the word, wherever the offset is (`>>` appends).
    if (takesWord(spec)) return this.fs.write(pid, spec.name, data.toString('latin1'));
    const opts: NodeOptions = { offset, ...(tid !== undefined && { tid }) };
    if (spec.name === 'regs') {
      const n = await this.fs.write(pid, 'regs', data, opts);
      // The pc is the caller's now (an emulated one-byte push leaves it one past the int3): a
      // release must not take it for a trap's and rewind it.
      this.controllers.journal.wroteRegs(pid, tid);
      return n;
    }
    if (spec.content !== 'space') return this.fs.write(pid, spec.name, data, opts);
    // An int3 written through mem is journaled with the byte it covers, so a caller that dies
    // with breakpoints planted has them taken out by its release (controllers.ts).
    const journal = this.controllers.journal;
    const originals = new Map<bigint, number>();
    for (const addr of journal.needsOriginal(pid, offset, data)) {
      const b = await this.fs.read(pid, 'mem', { offset: addr, length: 1 });
      originals.set(addr, b[0]!);
    }
    const n = await this.fs.write(pid, spec.name, data, opts);
    journal.wrote(pid, offset, data, originals);
    this.notePlanted();
    return n;
  }

  /** Sends the planted set to onPlanted when it changed. */
  private notePlanted(): void {
    if (!this.opts.onPlanted || !this.opts.sameMachine) return;
    const journal = this.controllers.journal;
    const bytes: { pid: number; start: string; addr: bigint; original: number }[] = [];
    for (const pid of journal.held()) {
      const start = identify(pid, this.procRoot)?.start;
      if (start === undefined) continue;
      for (const r of journal.restores(pid)) bytes.push({ pid, start, addr: r.addr, original: r.original });
    }
    const text = bytes.map((b) => `${b.pid} ${b.start} ${b.addr} ${b.original}`).join('\n');
    if (text === this.plantedSent) return;
    this.plantedSent = text;
    this.opts.onPlanted(bytes);
  }

  /**
   * A READ of a target file: checked again with the reading caller, as a node handle is (a
   * descriptor passed to another process reads with that process's rights): the p_candebug
   * check for a caller new to the handle, and the open itself, with the caller's credentials,
   * at every read.
   */
  private async readTargetFile(caller: FuseCaller, f: { readonly item: TargetFileItem; readonly checked: string[] }, offset: bigint, size: number): Promise<Buffer> {
    const key = callerKey(caller);
    if (!f.checked.includes(key)) {
      await this.debuggable(caller, f.item.pid, f.item.start).catch((e: unknown) => {
        throw e instanceof ProcfsError && e.code === 'ENOENT' ? new ProcfsError('ESRCH', e.message, e.pid) : e;
      });
      rememberChecked(f.checked, key);
    }
    const file = await this.fileRef(f.item, caller);
    return this.fileSlots.run(() => this.fs.readFile(f.item.pid, file.path, { ...file.ref, offset: Number(offset), length: size }));
  }

  /** One ctl word, with the controller's rules (controllers.ts) and the joined wait (waits.ts). */
  /** A ctl word; under task/TID/ a word aimed at that thread (spec: `task/TID/ctl`). */
  private async ctl(caller: FuseCaller, pid: number, data: Buffer, tid?: number): Promise<number> {
    const text = data.toString('latin1');
    const word = parseCtl(text);
    const busy = this.controllers.refuse(pid, caller.uid);
    if (busy) throw busy;
    const ctrl = this.controllers.of(pid);
    if (word.kind === 'verb' && word.verb === 'attach' && ctrl) {
      throw new ProcfsError('EBUSY', `pid ${pid}: already attached through this mount${ctrl.proc ? ` by pid ${ctrl.proc.pid}` : ''}`, pid, 'ctl');
    }
    // BSD: the writer attaching itself is EINVAL. Here it would stop the caller inside its own
    // write, with nobody left to resume it (the source only knows the daemon itself).
    if (word.kind === 'verb' && word.verb === 'attach' && this.opts.sameMachine && tgidOf(caller.pid, this.procRoot) === pid) {
      throw new ProcfsError('EINVAL', `pid ${pid}: a process cannot attach to itself`, pid, 'ctl');
    }
    if (word.kind === 'verb' && word.verb === 'wait') {
      await this.waits.join(pid, () => this.fs.write(pid, 'ctl', 'wait'), caller.signal);
      return data.length;
    }
    await this.fs.write(pid, 'ctl', text, tid === undefined ? {} : { tid });
    // Anything but `wait` may resume the target: its next stop is news, its pc a trap's again.
    this.controllers.journal.resumed(pid);
    if (word.kind === 'verb') {
      if (word.verb === 'attach') this.controllers.claim(pid, { proc: callerProcess(caller.pid, this.procRoot), uid: caller.uid });
      else if (word.verb === 'detach' || word.verb === 'detach-stopped') {
        this.controllers.drop(pid);
        this.lastSeen.delete(pid);
        // Detached by its controller: what it planted it took out (the engine restores first).
        this.controllers.journal.detachedFrom(pid);
        this.notePlanted();
      }
    }
    return data.length;
  }

  async flush(): Promise<void> {
    // Nothing is buffered: every write went to the source when it came.
  }

  async release(_caller: FuseCaller, _ino: bigint, fh: bigint): Promise<void> {
    this.handles.delete(fh);
    this.fileHandles.delete(fh);
    // A process's exit closes its files: the moment to see whether a controller is gone.
    if (this.controllers.pids().length > 0) void this.controllers.check().then(() => this.notePlanted());
  }

  async opendir(caller: FuseCaller, ino: bigint): Promise<FuseOpened> {
    const item = this.item(ino);
    if (!item) throw noEntry(`inode ${ino}`);
    if (typeOf(item) !== 'dir') throw new ProcfsError('ENOTDIR', 'not a directory');
    await this.attrOf(caller, item);
    const fh = this.nextFh++;
    this.dirs.set(fh, { ino });
    return { fh, directIo: false };
  }

  async readdir(caller: FuseCaller, ino: bigint, fh: bigint): Promise<readonly FuseDirEntry[]> {
    const d = this.dirs.get(fh);
    // One listing per handle: the pages of one `ls` come from the same moment.
    if (d?.listing && d.ino === ino) return d.listing;
    const item = this.item(ino);
    if (!item) throw noEntry(`inode ${ino}`);
    const listing = await this.list(caller, item);
    if (d && d.ino === ino) d.listing = listing;
    return listing;
  }

  private async list(caller: FuseCaller, item: AnyItem): Promise<FuseDirEntry[]> {
    const entry = (name: string, it: Item): FuseDirEntry => ({ name, ino: inoOf(it), type: typeOf(it) });
    if (item.kind === 'tfile') {
      // root/'s directories are walked by name: the seam reads files, it does not list directories.
      await this.debuggable(caller, item.pid, item.start);
      return [{ name: '.', ino: this.tfiles.inoOf(item, false), type: 'dir' }, { name: '..', ino: this.tfiles.inoOf(item, false), type: 'dir' }];
    }
    if (item.kind === 'files') {
      const st = await this.debuggable(caller, item.pid);
      const out: FuseDirEntry[] = [entry('.', item), entry('..', { kind: 'proc', pid: item.pid })];
      if (item.which === 'map_files') {
        for (const name of new Set(await mappingNames(this.fs, item.pid).catch(onPath))) {
          out.push({ name, ino: this.tfiles.inoOf({ pid: item.pid, start: startKey(st), under: 'map_files', parts: [name], dir: false }, false), type: 'file' });
        }
      }
      return out;
    }
    switch (item.kind) {
      case 'root': {
        const out = [entry('.', item), entry('..', item)];
        if (this.curproc(caller) !== undefined) out.push(entry('curproc', { kind: 'curproc' }));
        for (const pid of await this.visiblePids(caller)) out.push(entry(String(pid), { kind: 'proc', pid }));
        return out;
      }
      case 'proc': {
        await this.visible(caller, item.pid).catch(onPath);
        return [
          entry('.', item), entry('..', { kind: 'root' }), entry('task', { kind: 'task', pid: item.pid }),
          entry('root', { kind: 'files', pid: item.pid, which: 'root' }), entry('map_files', { kind: 'files', pid: item.pid, which: 'map_files' }),
          ...PROCESS_NODES.map((spec) => entry(spec.name, { kind: 'node', pid: item.pid, spec })),
        ];
      }
      case 'task': {
        await this.visible(caller, item.pid).catch(onPath);
        const tids = await this.fs.threads(item.pid).catch(onPath);
        return [
          entry('.', item), entry('..', { kind: 'proc', pid: item.pid }),
          ...tids.filter(encodableId).map((tid) => entry(String(tid), { kind: 'thread', pid: item.pid, tid })),
        ];
      }
      case 'thread': {
        await this.ownThread(item.pid, item.tid);
        await this.visible(caller, item.pid, item.tid).catch(onPath);
        return [
          entry('.', item), entry('..', { kind: 'task', pid: item.pid }),
          ...THREAD_NODES.map((spec) => entry(spec.name, { kind: 'node', pid: item.pid, tid: item.tid, spec })),
        ];
      }
      default:
        throw new ProcfsError('ENOTDIR', 'not a directory');
    }
  }

  /** The pids the caller's jail holds (all, on the host; none, for a caller with no jail). */
  private async visiblePids(caller: FuseCaller): Promise<number[]> {
    const scope = this.jails.scopeOf(caller.pid);
    if (scope.kind === 'nowhere') return [];
    const pids = (await this.fs.pids()).filter(encodableId);
    if (scope.kind === 'host') return pids;
    const jids = await Promise.all(pids.map((pid) => this.jidIfJailed(scope, pid).catch(() => undefined)));
    return pids.filter((_, i) => jids[i] !== undefined && sees(scope, jids[i]!));
  }

  async releasedir(_caller: FuseCaller, _ino: bigint, fh: bigint): Promise<void> {
    this.dirs.delete(fh);
  }

  async statfs(): Promise<FuseStatfs> {
    return { blocks: 0n, bfree: 0n, files: 0n, ffree: 0n, namelen: 255 };
  }

  async access(caller: FuseCaller, ino: bigint, mask: number): Promise<void> {
    const item = this.item(ino);
    if (!item) throw noEntry(`inode ${ino}`);
    const want = wantOfMask(mask);
    if (item.kind === 'files' || item.kind === 'tfile') {
      await this.debuggable(caller, item.pid, item.kind === 'tfile' ? item.start : undefined);
      if (want.write) throw new ProcfsError('EACCES', 'the target\'s files are read-only here');
      if (want.exec && item.kind === 'tfile' && !item.dir) throw new ProcfsError('EACCES', 'not executable here');
      if (want.read && item.kind === 'tfile' && !item.dir) {
        // access(R_OK) answers as open would: the caller's own read permission on the file.
        const f = await this.fileRef(item, caller).catch(() => Promise.reject(noEntry(item.parts.join('/'))));
        await this.fileSlots.run(() => this.fs.readFile(item.pid, f.path, { ...f.ref, offset: 0, length: 0 }));
      }
      return;
    }
    if (item.kind !== 'node') {
      await this.attrOf(caller, item);
      const r = typeOf(item) === 'dir' ? dirAccess(want) : null;
      if (r) throw refused(r, 'directory');
      return;
    }
    await this.granted(caller, item, want);
  }

  /** The mount is going: every controlled target released. Resolves to how many. */
  destroy(): Promise<void> {
    return this.releaseAll().then(() => undefined);
  }

  /**
   * Releases every target a controller left attached; resolves to how many were released so
   * (by every call: DESTROY and the daemon's own end both call it, the second finds none).
   */
  releaseAll(): Promise<number> {
    return (this.releasing ??= this.controllers.releaseAll().then((n) => {
      this.releasing = undefined;
      this.notePlanted();
      return (this.releasedAtEnd += n);
    }));
  }

  /** The root's inode (FUSE_ROOT_ID), for callers that walk from it. */
  static readonly rootIno = ROOT_INO;
}
