/**
 * The live Linux source: /proc read the BSD way. status, cmdline, file, map, etype and jail are
 * synthesized here; ctl, mem, regs, fpregs, note, notepg and why go to LinuxControl (ptrace),
 * loaded on first use so that a listing never loads koffi.
 */
import { closeSync, openSync, readdirSync, readlinkSync, writeSync } from 'node:fs';
import { fromSystemError, ProcfsError } from '../../errors.js';
import { splitCmdline } from '../../cmdline.js';
import { formatJailNode } from '../../jail-node.js';
import { mapNodeFromLinux } from '../../map.js';
import { NODE_TABLE, type NodeName, type ReadableNode } from '../../node.js';
import { fillerOf, type NodeFillers } from '../../node-fillers.js';
import type { ListWants, ProcessInfo } from '../../process-info.js';
import type {
  FileIdentity, FileRef, HostFiles, OpenFileOptions, RangedFile, JailDetails, JailDetailSource, NodeOptions, ProcessDescriber, ProcFs, SourceCapabilities, SpawnOptions, StepLoopRequest, StepLoopResult, SyncRelease, Tracer, TracerInfo,
} from '../../source.js';
import { formatStatus } from '../../status.js';
import { tracerOf } from './attach-refusal.js';
import type { ControlNode, LinuxControl } from './control.js';
import { jailInit } from './jail-init.js';
import { jailAddresses } from './netns.js';
import { ProcReader } from './read.js';
import { bootTime, linuxStatus } from './synth-status.js';
import { UtsResolver } from './uts.js';

/** status.ts works on binary strings (one char per byte): a UTF-8 hostname goes in as its bytes. */
function binaryName(name: string | null): string | null {
  return name === null ? null : Buffer.from(name, 'utf8').toString('latin1');
}

const NO_OPTS: NodeOptions = Object.freeze({});
const CONTROL: ReadonlySet<NodeName> = new Set<NodeName>(NODE_TABLE.filter((n) => n.control).map((n) => n.name));

function numericEntries(dir: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync(dir)) {
    const c = name.charCodeAt(0);
    if (c >= 0x30 && c <= 0x39) out.push(Number(name));
  }
  return out.sort((a, b) => a - b);
}

export class LinuxProcFs implements ProcFs, ProcessDescriber, JailDetailSource, SyncRelease, HostFiles, TracerInfo {
  /** Not part of ProcFs (callers ask `capabilities`); ProcessSymbols.forProcess still reads it. */
  readonly kind = 'linux' as const;
  readonly capabilities: SourceCapabilities = { transport: 'step-loop', describer: this, jailDetails: this, syncRelease: this, hostFiles: this, tracer: this };
  private readonly reader = new ProcReader();
  private readonly uts: UtsResolver;
  private btime: number | undefined;
  private control: Promise<LinuxControl> | undefined;
  /** The same, once loaded: the exit guard needs it synchronously, hot loops (step, mem dumps) without an await. */
  private loaded: LinuxControl | undefined;

  constructor(readonly root = '/proc') {
    this.uts = new UtsResolver(root);
  }

  private boot(): number {
    return (this.btime ??= bootTime(this.root));
  }

  private dir(pid: number, tid?: number): string {
    return tid === undefined || tid === pid ? `${this.root}/${pid}` : `${this.root}/${pid}/task/${tid}`;
  }

  async pids(): Promise<number[]> {
    return numericEntries(this.root);
  }

  async threads(pid: number): Promise<number[]> {
    try {
      return numericEntries(`${this.root}/${pid}/task`);
    } catch (err) {
      throw fromSystemError(err, pid, 'task');
    }
  }

  private controller(): Promise<LinuxControl> {
    return (this.control ??= import('./control.js').then((m) => (this.loaded = new m.LinuxControl())));
  }

  /** The status of a process or thread, jail included (entering its namespace if not cached). */
  async statusOf(pid: number, tid?: number): Promise<{ line: string; jid: number | null }> {
    const { status } = linuxStatus(this.dir(pid, tid), tid ?? pid, this.reader, this.boot());
    const jail = await this.uts.jailOf(pid);
    status.jail = binaryName(jail.hostname);
    return { line: formatStatus(status), jid: jail.jid };
  }

  async read(pid: number, node: NodeName, opts: NodeOptions = {}): Promise<Buffer> {
    if (CONTROL.has(node)) return (await this.controller()).read(pid, node as ControlNode, opts);
    const fill = fillerOf(this.fillers, node);
    if (!fill) throw new ProcfsError('EOPNOTSUPP', `${pid}/${node}: not served by the live source`, pid, node);
    return fill(pid, opts);
  }

  /** The nodes synthesized from /proc text; the control nodes are LinuxControl's (control.ts). */
  private readonly fillers: NodeFillers<Exclude<ReadableNode, ControlNode>> = {
    status: async (pid, opts) => Buffer.from((await this.statusOf(pid, opts.tid)).line, 'latin1'),
    jail: async (pid) => Buffer.from(formatJailNode(await this.uts.jailOf(pid))),
    cmdline: async (pid, opts) => this.copy(`${this.dir(pid, opts.tid)}/cmdline`, pid, 'cmdline'),
    map: async (pid, opts) => this.map(this.copy(`${this.dir(pid, opts.tid)}/maps`, pid, 'map')),
    maps: async (pid, opts) => this.copy(`${this.dir(pid, opts.tid)}/maps`, pid, 'maps'),
    file: async (pid, opts) => {
      try {
        return Buffer.from(readlinkSync(`${this.dir(pid, opts.tid)}/exe`));
      } catch (err) {
        throw this.noLink(err, pid, 'file');
      }
    },
    etype: async (pid, opts) => Buffer.from(this.etype(this.dir(pid, opts.tid), pid)),
  };

  readInto(pid: number, node: NodeName, into: Uint8Array, opts: NodeOptions = NO_OPTS): Promise<number> {
    const c = this.loaded;
    if (c !== undefined && node === 'mem') {
      // A dump reads 4 KiB at a time: the read done now, an already-settled promise handed back.
      try {
        return Promise.resolve(c.readMemSync(pid, into, opts));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    if (c !== undefined && CONTROL.has(node)) return c.readInto(pid, node as ControlNode, into, opts);
    return this.readIntoSlow(pid, node, into, opts);
  }

  private async readIntoSlow(pid: number, node: NodeName, into: Uint8Array, opts: NodeOptions): Promise<number> {
    if (CONTROL.has(node)) return (await this.controller()).readInto(pid, node as ControlNode, into, opts);
    const data = await this.read(pid, node, opts);
    const n = Math.min(data.length, into.length);
    into.set(data.subarray(0, n));
    return n;
  }

  async write(pid: number, node: NodeName, data: string | Uint8Array, opts: NodeOptions = {}): Promise<number> {
    if (this.loaded && CONTROL.has(node)) return this.loaded.write(pid, node as ControlNode, data, opts);
    if (CONTROL.has(node)) return (await this.controller()).write(pid, node as ControlNode, data, opts);
    throw new ProcfsError('EOPNOTSUPP', `${pid}/${node}: read-only node`, pid, node);
  }

  /** Steps run by the tracer itself, no promise per step (tracer.ts stepLoop). */
  async stepLoop(pid: number, req: StepLoopRequest): Promise<StepLoopResult> {
    return (this.loaded ?? (await this.controller())).stepLoop(pid, req);
  }

  // The file readers load koffi (openat2, setfsuid): imported when first needed, so a listing
  // (`pdbg ps`) never pays for them.
  async readFile(pid: number, path: string, opts: FileRef & { offset?: number; length?: number } = {}): Promise<Buffer> {
    const { readTargetFile } = await import('./files.js');
    return readTargetFile(this.root, pid, path, opts, opts.offset ?? 0, opts.length);
  }

  async statFile(pid: number, path: string, ref: FileRef = {}): Promise<FileIdentity> {
    const { statTargetFile } = await import('./files.js');
    return statTargetFile(this.root, pid, path, ref);
  }

  /**
   * The host path behind a target's file: this source's files are the caller's machine's, so
   * the ELF reader opens them in place (a 100 MB executable costs a few reads, not a copy).
   */
  async hostPath(pid: number, path: string, ref: FileRef = {}): Promise<string> {
    const { hostPathOf } = await import('./files.js');
    return hostPathOf(this.root, pid, path, ref);
  }

  /**
   * A target's file by descriptor (open-file.ts). Every file opened under a target's root
   * resolves inside it: root-resolver.ts, registered here with the untrusted-file opener
   * before the first such open.
   */
  async openFile(pid: number, path: string, opts: OpenFileOptions = {}): Promise<RangedFile> {
    if (!this.resolverSet) {
      const [{ targetRootResolver }, { setRootResolver }] = await Promise.all([import('./root-resolver.js'), import('../../untrusted-file.js')]);
      setRootResolver(targetRootResolver(this.root));
      this.resolverSet = true;
    }
    const { openLiveFile } = await import('./open-file.js');
    return openLiveFile(this.root, pid, path, opts);
  }

  private resolverSet = false;

  async spawn(argv: readonly string[], opts: SpawnOptions = {}): Promise<number> {
    const { spawnStopped } = await import('./spawn.js');
    return spawnStopped(argv, opts);
  }

  async close(): Promise<void> {
    if (this.control) await (await this.control).close();
  }

  /**
   * The applications' exit guard (src/procfs/exit-guard.ts), synchronously: writes the breakpoint
   * bytes back into `pid`, then detaches every target this source traces.
   */
  releaseSync(pid: number, restore: readonly { addr: bigint; original: number }[], leaveStopped = false, alsoInto: readonly number[] = []): void {
    if (restore.length > 0) {
      for (const into of [pid, ...alsoInto]) {
        // Plain fs calls, not mem.ts: loading koffi here would defeat the lazy import above.
        let fd = -1;
        try {
          fd = openSync(`${this.root}/${into}/mem`, 'r+');
          for (const r of restore) writeSync(fd, Uint8Array.of(r.original), 0, 1, Number(r.addr));
        } catch {
          // Gone or unwritable: nothing left to restore.
        } finally {
          if (fd >= 0) closeSync(fd);
        }
      }
    }
    this.loaded?.releaseAllSync(leaveStopped ? new Set([pid]) : undefined);
  }

  /** A signal now, synchronously (the exit guard's `leave: running`). */
  signalSync(pid: number, name: string): void {
    try {
      process.kill(pid, `SIG${name.toUpperCase()}` as NodeJS.Signals);
    } catch {
      // Gone: nothing to signal.
    }
  }

  /** One pass of synchronous reads, then one setns pair per jail not seen before. */
  async describe(pids: readonly number[], want: ListWants): Promise<ProcessInfo[]> {
    const out: ProcessInfo[] = [];
    const inodes: (number | null)[] = [];
    const btime = this.boot();
    for (const pid of pids) {
      try {
        const { status, state } = linuxStatus(`${this.root}/${pid}`, pid, this.reader, btime, want.wchan, want.creds !== false);
        const inode = this.uts.inodeOf(pid);
        const args = want.args ? this.args(pid) : null;
        out.push({ pid, status, jid: null, state, args });
        inodes.push(inode);
      } catch (err) {
        // Exited between readdir and now (or a thread group leader turned zombie mid-read).
        if (err instanceof ProcfsError && err.code === 'ESRCH') continue;
        throw err;
      }
    }
    const gone = new Set<number>();
    for (let i = 0; i < out.length; i++) {
      const p = out[i]!;
      const k = this.uts.known(inodes[i]!);
      let name = k.hostname;
      if (name === undefined) {
        try {
          name = await this.uts.hostname(inodes[i]!, p.pid);
        } catch {
          gone.add(p.pid);
          continue;
        }
      }
      p.jid = k.jid;
      p.status.jail = binaryName(name);
    }
    return gone.size === 0 ? out : out.filter((p) => !gone.has(p.pid));
  }

  jailDetails(jid: number | null, _hostname: string, firstPid: number): JailDetails {
    // `?`, not null (`-`, "this source has no paths"): there is a root, the caller may not read it.
    let path = '?';
    const init = jailInit(this.root, firstPid, jid);
    if (init !== null) {
      try {
        path = readlinkSync(`${this.root}/${init}/root`);
      } catch {
        /* gone or not ours to read: unknown */
      }
    }
    return { ips: jailAddresses(firstPid, this.root), path };
  }

  /** TracerPid from /proc/PID/status, and the tracer's comm (` (strace)` in `pdbg detach`'s refusal). */
  async tracerOf(pid: number): Promise<Tracer | null> {
    return tracerOf(this.root, pid);
  }

  /** FreeBSD map lines built from /proc/PID/maps (map.ts). */
  private map(maps: Buffer): Buffer {
    return Buffer.from(mapNodeFromLinux(maps.toString('latin1')), 'latin1');
  }

  private args(pid: number): string[] {
    try {
      const { buf, len } = this.reader.read(`${this.root}/${pid}/cmdline`);
      return splitCmdline(buf.subarray(0, len));
    } catch (err) {
      throw fromSystemError(err, pid, 'cmdline');
    }
  }

  private copy(path: string, pid: number, node: NodeName): Buffer {
    try {
      const { buf, len } = this.reader.read(path);
      return Buffer.from(buf.subarray(0, len));
    } catch (err) {
      throw fromSystemError(err, pid, node);
    }
  }

  private noLink(err: unknown, pid: number, node: NodeName): ProcfsError {
    const code = (err as NodeJS.ErrnoException).code;
    // A kernel thread has no executable; its /proc entry still exists.
    if (code === 'ENOENT' && this.exists(pid)) return new ProcfsError('ENOENT', `${pid}/${node}: no executable (kernel thread?)`, pid, node);
    return fromSystemError(err, pid, node);
  }

  private exists(pid: number): boolean {
    try {
      this.reader.readOnce(`${this.root}/${pid}/stat`);
      return true;
    } catch {
      return false;
    }
  }

  /** `Linux ELF64`/`Linux ELF32` from the executable's ELF class byte (FreeBSD names its ABI the same way). */
  private etype(dir: string, pid: number): string {
    let head: Buffer;
    try {
      head = this.reader.readOnce(`${dir}/exe`).buf;
    } catch (err) {
      throw this.noLink(err, pid, 'etype');
    }
    if (head[0] !== 0x7f || head[1] !== 0x45 || head[2] !== 0x4c || head[3] !== 0x46) return 'Linux unknown\n';
    return head[4] === 1 ? 'Linux ELF32\n' : 'Linux ELF64\n';
  }
}
