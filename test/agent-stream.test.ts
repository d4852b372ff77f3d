/**
 * `pdbg serve --stdio` as a stream: a client that pipelines requests and does not read its
 * replies for a while costs the agent a bounded amount of memory, and every request is answered
 * in the order it came, a CLOSE among them included.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeError, decodeOk, encodeOk, encodeOkPieces, encodeRequest, FrameReader, helloFrame, Kind, type Frame, type ReplyValue, type Request } from '../src/remote/protocol.js';
import { pdbgBin } from './helpers/cli.js';
import { liveOk } from './helpers/root.js';
import { killAll, procState, startTarget } from './helpers/targets.js';
import { killAllTracees, startTracee } from './helpers/tracee.js';

const MiB = 1024 * 1024;

function waitUntil(cond: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  return new Promise((res, rej) => {
    const t0 = Date.now();
    const tick = () => {
      if (cond()) return res();
      if (Date.now() - t0 > ms) return rej(new Error(`${what} not met in ${ms} ms`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

/** A field of /proc/PID/status in kB (VmRSS, VmHWM). */
function statusKb(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]);
}

/** utime + stime of PID, in clock ticks. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

/**
 * Resolves once PID has used no CPU for `quietMs` (it has done all it will do without us), or
 * after `maxMs` whatever it does. A loaded machine can only make this return early, which makes
 * the memory bound below easier to meet, never a correct agent fail.
 */
async function quiet(pid: number, quietMs = 1000, maxMs = 60_000): Promise<void> {
  const t0 = Date.now();
  let last = cpuTicks(pid);
  let since = Date.now();
  while (Date.now() - t0 < maxMs) {
    await new Promise((r) => setTimeout(r, 100));
    const now = cpuTicks(pid);
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return;
  }
}

interface RawAgent {
  child: ChildProcess;
  exit: Promise<number | null>;
  stderr: () => string;
  /** Starts reading stdout; frames collected in arrival order. */
  read(): Frame[];
  ended: () => boolean;
}

const agents: ChildProcess[] = [];

/** The agent with a client of our own: requests written raw, stdout not read until read(). */
function startAgent(): RawAgent {
  const child = spawn(process.execPath, [pdbgBin, 'serve', '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  agents.push(child);
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exit = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  const frames: Frame[] = [];
  const reader = new FrameReader();
  let reading = false;
  let ended = false;
  return {
    child,
    exit,
    stderr: () => err,
    read() {
      if (!reading) {
        reading = true;
        child.stdout!.on('data', (d: Buffer) => frames.push(...reader.push(d)));
        child.stdout!.on('end', () => (ended = true));
      }
      return frames;
    },
    ended: () => ended,
  };
}

function frame(id: number, req: Request): Buffer {
  return encodeRequest(id, req);
}

afterEach(() => {
  for (const a of agents.splice(0)) a.kill('SIGKILL');
  killAll();
  killAllTracees();
});

describe('a reply in pieces', () => {
  it('is the frame encodeOk makes, its big bytes not copied', () => {
    const big = Buffer.alloc(1024 * 1024, 7);
    for (const [kind, value] of [[Kind.READ, big], [Kind.READ, Buffer.of(1, 2)], [Kind.PIDS, [1, 2, 3]], [Kind.CLOSE, undefined]] as [number, ReplyValue][]) {
      const pieces = encodeOkPieces(9, kind, value);
      expect(Buffer.concat(pieces).equals(encodeOk(9, kind, value))).toBe(true);
    }
    const pieces = encodeOkPieces(9, Kind.READ, big);
    expect(pieces.some((p) => p.buffer === big.buffer && p.byteOffset === big.byteOffset && p.length === big.length)).toBe(true);
  });
});

describe.skipIf(!liveOk('agent stream'))('the agent as a stream', () => {
  it('bounds its memory while its client does not read, then answers every request complete and in order', async () => {
    const t = startTarget('bigbuf');
    const buf = BigInt((await t.waitFor(/buf=0x[0-9a-f]+/)).slice(4));
    const a = startAgent();
    // Twelve reads of 60 MiB at different offsets, pipelined in one write: unbounded, the agent
    // would hold all of them (and their concatenation) at once, about 1.5 GB.
    const N = 12;
    const LEN = 60 * MiB;
    const STRIDE = 256 * 1024;
    const reqs = [helloFrame()];
    for (let i = 1; i <= N; i++) reqs.push(frame(i, { kind: Kind.READ, pid: t.pid, node: 'mem', opts: { offset: buf + BigInt(i * STRIDE), length: LEN } }));
    a.child.stdin!.write(Buffer.concat(reqs));
    await quiet(a.child.pid!);
    const stalled = statusKb(a.child.pid!, 'VmHWM');
    expect(stalled, `VmHWM ${stalled} kB while the client did not read`).toBeLessThan(400 * 1024);

    const frames = a.read();
    await waitUntil(() => frames.length === N + 1, 180_000, `${N + 1} replies`);
    const peak = statusKb(a.child.pid!, 'VmHWM');
    expect(peak, `VmHWM ${peak} kB after all replies`).toBeLessThan(400 * 1024);
    expect(frames.map((f) => [f.id, f.kind])).toEqual([[0, Kind.OK], ...Array.from({ length: N }, (_, i) => [i + 1, Kind.OK])]);
    // Word k of the target's buffer holds k: each answer must be the whole of its own range.
    const words = new Uint32Array((N * STRIDE + LEN) / 4).map((_, k) => k);
    for (let i = 1; i <= N; i++) {
      const first = (i * STRIDE) / 4;
      const data = decodeOk(Kind.READ, frames[i]!.payload) as Buffer;
      expect(data.length).toBe(LEN);
      expect(data.equals(Buffer.from(words.buffer, first * 4, LEN)), `answer ${i}`).toBe(true);
    }
    a.child.stdin!.write(frame(N + 1, { kind: Kind.CLOSE }));
    expect(await a.exit).toBe(0);
  }, 300_000);

  it('a CLOSE pipelined behind requests: each is answered, in order, then the session ends', async () => {
    const t = startTarget('counter');
    await t.waitFor(/ready/);
    const a = startAgent();
    const reqs: Request[] = [
      { kind: Kind.PIDS },
      { kind: Kind.THREADS, pid: t.pid },
      { kind: Kind.READ, pid: t.pid, node: 'status', opts: {} },
      { kind: Kind.READ, pid: 0x7ffffff0, node: 'status', opts: {} },
      { kind: Kind.READ, pid: t.pid, node: 'cmdline', opts: {} },
      { kind: Kind.THREADS, pid: t.pid },
    ];
    const close = reqs.length + 1;
    a.child.stdin!.write(Buffer.concat([helloFrame(), ...reqs.map((r, i) => frame(i + 1, r)), frame(close, { kind: Kind.CLOSE })]));
    const frames = a.read();
    expect(await a.exit).toBe(0);
    await waitUntil(() => a.ended(), 10_000, 'end of the stream');
    expect(frames.map((f) => f.id)).toEqual([0, ...reqs.map((_, i) => i + 1), close]);
    expect(frames.map((f) => f.kind)).toEqual([Kind.OK, Kind.OK, Kind.OK, Kind.OK, Kind.ERR, Kind.OK, Kind.OK, Kind.OK]);
    expect(decodeOk(Kind.THREADS, frames[2]!.payload)).toEqual([t.pid]);
    expect(decodeError(frames[4]!.payload).code).toBe('ESRCH');
    expect((decodeOk(Kind.READ, frames[5]!.payload) as Buffer).toString()).toMatch(/counter/);
    expect(a.stderr()).toBe('');
  });

  it('a CLOSE behind a ctl wait on a running target: the wait is answered (interrupted), then the close; the target runs untraced', async () => {
    const t = await startTracee('counter');
    await t.waitFor(/ready/);
    const a = startAgent();
    const ctl = (data: string): Request => ({ kind: Kind.WRITE, pid: t.pid, node: 'ctl', opts: {}, data });
    a.child.stdin!.write(Buffer.concat([helloFrame(), frame(1, ctl('attach')), frame(2, ctl('wait')), frame(3, ctl('run')), frame(4, ctl('wait')), frame(5, { kind: Kind.CLOSE })]));
    const frames = a.read();
    expect(await a.exit).toBe(0);
    expect(frames.map((f) => [f.id, f.kind])).toEqual([[0, Kind.OK], [1, Kind.OK], [2, Kind.OK], [3, Kind.OK], [4, Kind.OK], [5, Kind.OK]]);
    expect(procState(t.pid).tracerPid).toBe(0);
    await waitUntil(() => /^[RS]/.test(procState(t.pid).state), 10_000, 'the target running');
  });
});
