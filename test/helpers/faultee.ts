import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildTarget, rawMem } from './targets.js';
import { reap, trackPid } from './reaper.js';

/**
 * The fault matrix's debuggee (test/targets/faultee.c) and the oracle the matrix judges pdbg
 * by. Everything here reads the kernel's view directly (/proc/PID/{status,task,mem,maps}) and
 * the ELF file through binutils, never through pdbg's own code, so a bug in pdbg's symbols or
 * masking cannot hide a byte it left behind.
 */
export type FaulteeKind = 'loop' | 'block' | 'churn' | 'fork' | 'vfork' | 'threads';

export const INT3 = 0xcc;
/** Bit of SIGTRAP (5) in the SigPnd/ShdPnd masks of /proc/PID/status. */
const SIGTRAP_BIT = 1n << 4n;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Link-time facts of the faultee binary, read once with nm and readelf. */
interface Image {
  readonly path: string;
  /** name → link address (functions and data). */
  readonly symbols: Map<string, bigint>;
  /** Functions sorted by address, to name an address as `sym+off`. */
  readonly functions: { name: string; addr: bigint }[];
  readonly text: { addr: bigint; offset: number; size: number; bytes: Buffer };
}

let image: Image | undefined;

function loadImage(): Image {
  if (image) return image;
  const path = buildTarget('faultee');
  const symbols = new Map<string, bigint>();
  const functions: { name: string; addr: bigint }[] = [];
  for (const line of execFileSync('nm', [path], { encoding: 'utf8' }).split('\n')) {
    const m = /^([0-9a-f]+) ([A-Za-z]) (\S+)$/.exec(line);
    if (!m) continue;
    const addr = BigInt(`0x${m[1]}`);
    symbols.set(m[3]!, addr);
    if (m[2] === 'T' || m[2] === 't') functions.push({ name: m[3]!, addr });
  }
  functions.sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));
  // `[15] .text PROGBITS 00000000000011d0 0011d0 000734 00 AX 0 0 16`
  const sec = /\]\s+\.text\s+PROGBITS\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)/.exec(
    execFileSync('readelf', ['-SW', path], { encoding: 'utf8' }),
  );
  if (!sec) throw new Error(`readelf -SW ${path}: no .text section`);
  const offset = Number.parseInt(sec[2]!, 16);
  const size = Number.parseInt(sec[3]!, 16);
  const bytes = readFileSync(path).subarray(offset, offset + size);
  image = { path, symbols, functions, text: { addr: BigInt(`0x${sec[1]}`), offset, size, bytes } };
  return image;
}

/** `tick+4` for a link address. */
function nameOf(img: Image, link: bigint): string {
  let best: { name: string; addr: bigint } | undefined;
  for (const f of img.functions) if (f.addr <= link) best = f;
  return best ? `${best.name}+${link - best.addr}` : `0x${link.toString(16)}`;
}

export interface TaskStatus {
  readonly tid: number;
  readonly state: string;
  readonly tracerPid: number;
  readonly sigPnd: bigint;
  readonly shdPnd: bigint;
}

/** Every thread's State, TracerPid and pending signals (threads exiting meanwhile are skipped). */
export function tasks(pid: number): TaskStatus[] {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: TaskStatus[] = [];
  for (const t of tids) {
    let s: string;
    try {
      s = readFileSync(`/proc/${pid}/task/${t}/status`, 'utf8');
    } catch {
      continue;
    }
    const f = (k: string) => new RegExp(`^${k}:\\s+(.*)$`, 'm').exec(s)?.[1] ?? '';
    out.push({
      tid: Number(t),
      state: f('State').charAt(0),
      tracerPid: Number(f('TracerPid')),
      sigPnd: BigInt(`0x${f('SigPnd') || '0'}`),
      shdPnd: BigInt(`0x${f('ShdPnd') || '0'}`),
    });
  }
  return out;
}

/** A short summary of threads by state/tracer for messages: `201 threads: S×200 t×1, traced by 812×201`. */
export function summarizeTasks(ts: readonly TaskStatus[]): string {
  const count = (xs: string[]) => {
    const m = new Map<string, number>();
    for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
    return [...m].map(([k, n]) => `${k}×${n}`).join(' ');
  };
  const traced = ts.filter((t) => t.tracerPid !== 0);
  return `${ts.length} threads: ${count(ts.map((t) => t.state))}${traced.length ? `, traced by ${count(traced.map((t) => String(t.tracerPid)))}` : ', untraced'}`;
}

export class Faultee {
  private constructor(
    readonly kind: FaulteeKind,
    /** The process started: it reaps the worker and records how it ended. */
    readonly supervisor: number,
    /** The process pdbg debugs. */
    readonly worker: number,
    private readonly statusFile: string,
    private readonly outFile: string,
    /** PIE load base of the worker's image. */
    readonly base: bigint,
  ) {}

  /**
   * `setsid -f faultee KIND STATUS >OUT`: running, in a session of its own, and not a child of
   * the test's Node (pdbg refuses to trace those, and Node would reap them behind the tracer).
   */
  static async start(kind: FaulteeKind, dir: string, n: number): Promise<Faultee> {
    const img = loadImage();
    const out = join(dir, `${kind}-${n}.out`);
    const status = join(dir, `${kind}-${n}.status`);
    const fd = openSync(out, 'w');
    try {
      const r = spawnSync('setsid', ['-f', img.path, kind, status], { stdio: ['ignore', fd, fd] });
      if (r.status !== 0) throw new Error(`setsid -f faultee ${kind}: status ${r.status}, error ${r.error?.message ?? 'none'}`);
    } finally {
      closeSync(fd);
    }
    const t0 = Date.now();
    let text = '';
    for (;;) {
      text = existsSync(out) ? readFileSync(out, 'utf8') : '';
      const sup = /^supervisor (\d+)/m.exec(text);
      if (sup && !started.has(Number(sup[1]))) started.set(Number(sup[1]), trackPid(Number(sup[1]), 'faultee'));
      if (/^ready /m.test(text) && /^worker \d+/m.test(text)) break;
      if (Date.now() - t0 > 10_000) throw new Error(`faultee ${kind}: not ready after 10 s; output ${JSON.stringify(text)}`);
      await sleep(10);
    }
    const supervisor = Number(/^supervisor (\d+)/m.exec(text)![1]);
    const worker = Number(/^worker (\d+)/m.exec(text)![1]);
    const maps = readFileSync(`/proc/${worker}/maps`, 'utf8').split('\n');
    const first = maps.find((l) => l.endsWith(img.path));
    if (!first) throw new Error(`faultee ${kind}: ${img.path} not in /proc/${worker}/maps`);
    return new Faultee(kind, supervisor, worker, status, out, BigInt(`0x${first.split('-')[0]}`));
  }

  /** Runtime address of a faultee symbol. */
  addr(sym: string): bigint {
    const link = loadImage().symbols.get(sym);
    if (link === undefined) throw new Error(`faultee has no symbol ${sym}`);
    return this.base + link;
  }

  u64(sym: string): bigint {
    return rawMem(this.worker, this.addr(sym), 8).readBigUInt64LE(0);
  }

  /** The counter that shows this kind makes progress: children reaped for fork/vfork, tick()s else. */
  counter(): bigint {
    return this.kind === 'fork' || this.kind === 'vfork' ? this.u64('forks') : this.u64('progress');
  }

  /** Children that died by a signal so far, and the last such signal. */
  killedChildren(): { n: bigint; sig: number } {
    return { n: this.u64('killed'), sig: Number(this.u64('killed_sig') & 0xffffffffn) };
  }

  /** How the worker ended, as its supervisor recorded it (`killed 5`), or undefined while it lives. */
  outcome(): string | undefined {
    return existsSync(this.statusFile) ? readFileSync(this.statusFile, 'utf8').trim() : undefined;
  }

  /** undefined when alive; else why not (`killed by signal 5 (SIGTRAP)`, `zombie`). */
  death(): string | undefined {
    const o = this.outcome();
    if (o) {
      const m = /^killed (\d+)$/.exec(o);
      return m ? `killed by signal ${m[1]} (${signame(Number(m[1]))})` : o;
    }
    let stat: string;
    try {
      stat = readFileSync(`/proc/${this.worker}/stat`, 'utf8');
    } catch {
      return 'gone (no /proc entry, supervisor recorded nothing yet)';
    }
    const state = stat.slice(stat.lastIndexOf(')') + 2).charAt(0);
    if (state === 'Z' || state === 'X') return `state ${state} (dead, not yet reaped)`;
    return undefined;
  }

  /**
   * Where the worker's .text differs from the file's: `0x55…1169 <tick+0>: mem cc, file 55`.
   * Reads the whole section, so a 0xCC left anywhere (a step-off address, a deleted
   * breakpoint) shows, not only at the symbols the case planted.
   */
  textDiff(max = 8): string[] {
    const img = loadImage();
    const mem = rawMem(this.worker, this.base + img.text.addr, img.text.size);
    const out: string[] = [];
    let n = 0;
    for (let i = 0; i < img.text.size; i++) {
      if (mem[i] === img.text.bytes[i]) continue;
      n++;
      if (out.length < max) {
        const link = img.text.addr + BigInt(i);
        out.push(`0x${(this.base + link).toString(16)} <${nameOf(img, link)}>: mem ${hex(mem[i]!)}, file ${hex(img.text.bytes[i]!)}`);
      }
    }
    if (n > out.length) out.push(`… ${n - out.length} more differing bytes`);
    return out;
  }

  /** Threads with SIGTRAP pending (thread-private or process-wide). */
  trapPending(): number[] {
    return tasks(this.worker).filter((t) => ((t.sigPnd | t.shdPnd) & SIGTRAP_BIT) !== 0n).map((t) => t.tid);
  }

  /** The last line of the target's output file (for messages). */
  lastOutput(): string {
    const lines = existsSync(this.outFile) ? readFileSync(this.outFile, 'utf8').trim().split('\n') : [];
    return lines.at(-1) ?? '';
  }

  kill(): void {
    for (const pid of [this.worker, this.supervisor]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    started.get(this.supervisor)?.();
    started.delete(this.supervisor);
  }
}

/** Supervisors started, with the reaper's unregister: the supervisor takes its worker along. */
const started = new Map<number, () => void>();

/** Kills every faultee still alive (afterAll): the supervisor takes its worker along. */
export function killAllFaultees(): void {
  reap('faultee');
  started.clear();
}

const hex = (b: number) => b.toString(16).padStart(2, '0');

const SIGNAMES: Record<number, string> = {
  1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 5: 'SIGTRAP', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE',
  9: 'SIGKILL', 11: 'SIGSEGV', 13: 'SIGPIPE', 14: 'SIGALRM', 15: 'SIGTERM', 17: 'SIGCHLD', 19: 'SIGSTOP',
};

export function signame(n: number): string {
  return SIGNAMES[n] ?? `signal ${n}`;
}

export { sleep };
