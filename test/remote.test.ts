import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../src/engine/session.js';
import { pcNumber, REGS_SIZE } from '../src/engine/regfile.js';
import { ProcessSymbols } from '../src/engine/symbols/process-symbols.js';
import { ProcfsError } from '../src/procfs/errors.js';
import { listProcesses } from '../src/inventory/listing.js';
import { LinuxProcFs } from '../src/procfs/sources/linux/index.js';
import { TreeProcFs } from '../src/procfs/sources/tree.js';
import { serveProcFs, type Agent } from '../src/remote/agent.js';
import { connectAgent } from '../src/remote/connect.js';
import {
  decodeError, decodeOk, decodeRequest, encodeOk, encodeRequest, FrameReader, Kind, MAX_FRAME, PROTOCOL_VERSION, ProtocolError, type Frame,
} from '../src/remote/protocol.js';
import { RemoteProcFs } from '../src/remote/remote-procfs.js';
import { killPids, releaseSessions } from './helpers/cleanup.js';
import { pdbgBin } from './helpers/cli.js';
import { liveOk } from './helpers/root.js';
import { sourceContract } from './helpers/source-contract.js';
import { buildTarget, procState, rawMem, repoRoot } from './helpers/targets.js';
import { killAllTracees, startTracee } from './helpers/tracee.js';

const live = liveOk('remote');
const dir = mkdtempSync(join(tmpdir(), 'pdbg-remote-'));
const agentCmd = [process.execPath, pdbgBin, 'serve', '--stdio'];

function waitUntil(cond: () => boolean, ms = 5000): Promise<void> {
  return new Promise((res, rej) => {
    const t0 = Date.now();
    const tick = () => {
      if (cond()) return res();
      if (Date.now() - t0 > ms) return rej(new Error(`condition not met in ${ms} ms`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

describe('protocol', () => {
  it('round-trips every request kind, bigints exact', () => {
    const big = 0xffff_ffff_ffff_f000n;
    const reqs = [
      { kind: Kind.PIDS },
      { kind: Kind.THREADS, pid: 42 },
      { kind: Kind.READ, pid: 7, node: 'mem', opts: { tid: 8, offset: big, length: 16 } },
      { kind: Kind.WRITE, pid: 7, node: 'ctl', opts: {}, data: 'step' },
      { kind: Kind.WRITE, pid: 7, node: 'mem', opts: { offset: big }, data: Buffer.of(0xcc) },
      { kind: Kind.READFILE, pid: 1, path: '/lib/ü.so', opts: { root: 'host', mapping: { start: big, end: big + 1n, inode: 123456789012 }, offset: 5, length: 9 } },
      { kind: Kind.STATFILE, pid: 1, path: '/x', ref: { root: 'target' } },
      { kind: Kind.SPAWN, argv: ['a', 'b c'], opts: { stdout: '/tmp/o', env: { A: '1' }, cwd: '/' } },
      { kind: Kind.CLOSE },
    ] as const;
    for (const [i, req] of reqs.entries()) {
      const [f] = new FrameReader().push(encodeRequest(i + 1, req, 1));
      expect(f).toMatchObject({ id: i + 1, kind: req.kind, flags: 1 });
      expect(decodeRequest(f!)).toEqual(req);
    }
    const stat = { dev: 2n ** 63n + 5n, ino: 2n ** 64n - 1n, size: 123, mtimeNs: 1_700_000_000_123_456_789n };
    const [f] = new FrameReader().push(encodeOk(3, Kind.STATFILE, stat));
    expect(decodeOk(Kind.STATFILE, f!.payload)).toEqual(stat);
  });

  it('reassembles frames split anywhere, and refuses an oversized or unknown frame', () => {
    const a = encodeRequest(1, { kind: Kind.THREADS, pid: 1 });
    const b = encodeRequest(2, { kind: Kind.PIDS });
    const all = Buffer.concat([a, b]);
    const r = new FrameReader();
    const got = [];
    for (let i = 0; i < all.length; i++) got.push(...r.push(all.subarray(i, i + 1)));
    expect(got.map((f) => f.id)).toEqual([1, 2]);
    const huge = Buffer.alloc(10);
    huge.writeUInt32LE(MAX_FRAME + 1, 0);
    expect(() => new FrameReader().push(huge)).toThrow(ProtocolError);
    const unknown = Buffer.from(a);
    unknown[8] = 0x55;
    expect(() => decodeRequest(new FrameReader().push(unknown)[0]!)).toThrow(/unknown message kind 0x55/);
  });
});

describe('the client against a misbehaving agent', () => {
  /** A fake agent: `answer` sees each request frame and writes what it likes back. */
  function fake(answer: (f: Frame, reply: (b: Buffer) => void) => void): { toClient: PassThrough; toAgent: PassThrough } {
    const toClient = new PassThrough();
    const toAgent = new PassThrough();
    const reader = new FrameReader();
    toAgent.on('data', (d: Buffer) => {
      for (const f of reader.push(d)) answer(f, (b) => toClient.write(b));
    });
    return { toClient, toAgent };
  }

  it('refuses an agent of another protocol version', async () => {
    const { toClient, toAgent } = fake((f, reply) => reply(encodeOk(f.id, Kind.HELLO, { version: PROTOCOL_VERSION + 1, agent: 'future' })));
    await expect(RemoteProcFs.connect(toClient, toAgent)).rejects.toMatchObject({ code: 'EPROTO', message: `the agent speaks protocol version ${PROTOCOL_VERSION + 1}, this pdbg ${PROTOCOL_VERSION}` });
  });

  it('ends the session on garbage from the agent: pending calls fail with EIO, in one line', async () => {
    let n = 0;
    const { toClient, toAgent } = fake((f, reply) => {
      if (n++ === 0) reply(encodeOk(f.id, Kind.HELLO, { version: PROTOCOL_VERSION, agent: 'fake' }));
      else reply(Buffer.from('\xff\xff\xff\xff garbage', 'latin1'));
    });
    const r = await RemoteProcFs.connect(toClient, toAgent);
    const err = (await r.pids().catch((e: unknown) => e)) as ProcfsError;
    expect(err).toBeInstanceOf(ProcfsError);
    expect(err.code).toBe('EIO');
    expect(err.message).toMatch(/^connection to the agent lost: the agent sent a malformed frame: frame of \d+ bytes exceeds the 67108864-byte limit$/);
    await expect(r.threads(1)).rejects.toMatchObject({ code: 'EIO' });
  });

  it('ends the session on a reply to no request', async () => {
    const { toClient, toAgent } = fake((f, reply) => {
      // Only the hello is answered as such: a hello-shaped reply to the pids request would be
      // an answer to it (with version 2 its bytes even decode as a list of two pids).
      if (f.kind === Kind.HELLO) reply(encodeOk(f.id, Kind.HELLO, { version: PROTOCOL_VERSION, agent: 'fake' }));
      else reply(encodeOk(f.id + 7, Kind.PIDS, [1]));
    });
    const r = await RemoteProcFs.connect(toClient, toAgent);
    await expect(r.pids()).rejects.toMatchObject({ code: 'EIO' });
  });

  it('answers pipelined calls out of order by id', async () => {
    const held: Frame[] = [];
    const { toClient, toAgent } = fake((f, reply) => {
      if (f.kind === Kind.HELLO) return reply(encodeOk(f.id, Kind.HELLO, { version: PROTOCOL_VERSION, agent: 'fake' }));
      held.push(f);
      if (held.length === 2) for (const h of held.reverse()) reply(encodeOk(h.id, Kind.THREADS, [decodeRequest(h).kind === Kind.THREADS ? (decodeRequest(h) as { pid: number }).pid : 0]));
    });
    const r = await RemoteProcFs.connect(toClient, toAgent);
    expect(await Promise.all([r.threads(11), r.threads(22)])).toEqual([[11], [22]]);
  });
});

describe('connectAgent', () => {
  it('a command that cannot start, or exits before its hello: EIO in one line', async () => {
    await expect(connectAgent(['/nonexistent/pdbg-agent'])).rejects.toMatchObject({ code: 'EIO', message: expect.stringMatching(/^cannot start the agent \/nonexistent\/pdbg-agent: /) });
    await expect(connectAgent(['false'])).rejects.toMatchObject({ code: 'EIO', message: expect.stringMatching(/^connection to the agent lost: /) });
  });
});

describe('remote of a tree: `pdbg serve --stdio --proc-root FIXTURE`', () => {
  const freebsd = join(repoRoot, 'fixtures/proc-snapshots/freebsd');
  let remote: RemoteProcFs;

  beforeAll(async () => {
    remote = await connectAgent([...agentCmd, '--proc-root', freebsd], { name: 'tree' });
  });

  afterAll(async () => {
    await remote.close();
  });

  sourceContract(() => remote, { writable: false, somePid: () => 602 });

  it('lists the same processes as the tree read here', async () => {
    const fields = ['pid', 'ppid', 'comm', 'jail'] as const;
    const here = await listProcesses(TreeProcFs.open(freebsd), { fields: [...fields] });
    const there = await listProcesses(remote, { fields: [...fields] });
    expect(there).toEqual(here);
    expect(there.length).toBeGreaterThan(3);
  });
});

describe.skipIf(!live)('remote over a unix socketpair (agent in this process)', () => {
  let server: Server;
  let agent: Agent | undefined;
  let remote: RemoteProcFs;
  let client: Socket;

  beforeAll(async () => {
    const path = join(dir, 'agent.sock');
    server = createServer((sock) => {
      agent = serveProcFs(new LinuxProcFs('/proc'), sock, sock);
    });
    await new Promise<void>((res) => server.listen(path, res));
    client = connect(path);
    await new Promise<void>((res) => client.once('connect', res));
    remote = await RemoteProcFs.connect(client, client, { name: 'socketpair' });
  });

  afterAll(async () => {
    await remote.close();
    await agent?.done;
    server.close();
  });

  sourceContract(() => remote, { writable: true, somePid: () => process.pid });

  it('re-raises the agent errors as ProcfsError with the same code', async () => {
    const local = new LinuxProcFs('/proc');
    const want = (await local.read(process.pid, 'regs').catch((e: unknown) => e)) as ProcfsError;
    await local.close();
    const err = await remote.read(process.pid, 'regs').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProcfsError);
    expect(want).toBeInstanceOf(ProcfsError);
    expect((err as ProcfsError).code).toBe(want.code);
    expect((err as ProcfsError).message).toBe(want.message);
    expect((err as ProcfsError).pid).toBe(want.pid);
  });

  it('reads files and stats them as the target sees them', async () => {
    const head = await remote.readFile(process.pid, '/proc/self/exe', { length: 4, root: 'host' }).catch(() => remote.readFile(process.pid, process.execPath, { length: 4 }));
    expect(head.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    const id = await remote.statFile(process.pid, process.execPath);
    expect(typeof id.ino).toBe('bigint');
    expect(id.size).toBeGreaterThan(1000);
  });

  it('sends the calls of one turn in one burst', async () => {
    const before = remote.stats();
    await Promise.all([remote.pids(), remote.threads(process.pid), remote.read(process.pid, 'status')]);
    const after = remote.stats();
    expect(after.bursts - before.bursts).toBe(1);
    expect(after.roundTrips - before.roundTrips).toBe(1);
    expect(after.framesSent - before.framesSent).toBe(3);
  });
});

describe.skipIf(!live)('remote through a child `pdbg serve --stdio`', () => {
  let remote: RemoteProcFs;
  const open: Session[] = [];
  const launched: number[] = [];

  beforeAll(async () => {
    remote = await connectAgent(agentCmd, { name: 'child' });
  });

  afterEach(async () => {
    await releaseSessions(open);
    killAllTracees();
    killPids(launched);
  });

  afterAll(async () => {
    await remote.close();
  });

  sourceContract(() => remote, { writable: true, somePid: () => process.pid });

  it('debugs a live target: break, cont, step, regs, detach; it runs on untraced', async () => {
    const t = await startTracee('counter');
    await t.waitFor(/ready/);
    const s = await Session.attach(remote, t.pid);
    open.push(s);
    expect(procState(t.pid).tracerPid).not.toBe(0);
    const pc = await s.pc();
    const bp = await s.break(pc);
    const ev = await s.cont();
    expect(ev).toMatchObject({ kind: 'breakpoint', id: bp.id, pc });
    const st = await s.step();
    expect(st.kind).toBe('step');
    const regs = await s.regs();
    expect(regs.rip).toBe((st as { pc: bigint }).pc);
    await s.delete(bp.id);
    await s.detach();
    open.length = 0;
    await waitUntil(() => procState(t.pid).tracerPid === 0);
    const ticks = (t.stdout().match(/tick/g) ?? []).length;
    await t.waitFor(new RegExp(`(tick \\d+\\n[^]*){${ticks + 1}}`));
  });

  for (const where of ['local', 'remote'] as const) {
    it(`steps on and off a breakpoint alike through a ${where} source (the batch and its fallback)`, async () => {
      const t = await startTracee('counter');
      await t.waitFor(/ready/);
      const fs = where === 'local' ? new LinuxProcFs('/proc') : remote;
      const s = await Session.attach(fs, t.pid);
      open.push(s);
      const pc = await s.pc();
      const bp = await s.break(pc);
      expect(await s.cont()).toMatchObject({ kind: 'breakpoint', id: bp.id, pc });
      // On the breakpoint: the step executes the original instruction, not the int3.
      const st = await s.step();
      expect(st.kind).toBe('step');
      expect((st as { pc: bigint }).pc).not.toBe(pc);
      const many = await s.stepN(50);
      expect(['step', 'breakpoint']).toContain(many.kind);
      expect((await s.regs()).rip).toBe(await s.pc());
      await s.detach();
      open.length = 0;
      if (where === 'local') await fs.close();
      expect(rawMem(t.pid, pc, 1)[0]).not.toBe(0xcc);
    });
  }

  it('launches a program through the agent (spawn), stopped at its exec', async () => {
    const out = join(dir, 'launched.out');
    const s = await Session.launch(remote, [buildTarget('counter')], { stdout: out, stderr: 'ignore', stdin: 'ignore' });
    open.push(s);
    launched.push(s.pid);
    expect(s.lastStop.kind).toBe('exec');
    expect((await s.stepN(5)).kind).toBe('step');
    await s.detach();
    open.length = 0;
    await waitUntil(() => readFileSync(out, 'utf8').includes(`ready ${s.pid}`));
  });

  for (const where of ['local', 'remote'] as const) {
    it(`a target killed under a ${where} step or cont is its exit event (a failed batch)`, async () => {
      const fs = where === 'local' ? new LinuxProcFs('/proc') : remote;
      for (const how of ['step', 'cont'] as const) {
        const t = await startTracee('counter');
        await t.waitFor(/ready/);
        const s = await Session.attach(fs, t.pid);
        open.push(s);
        process.kill(t.pid, 'SIGKILL');
        await waitUntil(() => { try { return procState(t.pid).state === 'Z'; } catch { return true; } });
        const ev = how === 'step' ? await s.step() : await s.cont();
        expect(ev).toMatchObject({ kind: 'killed', signal: 'kill' });
        expect(s.state).toBe('exited');
        open.length = 0;
      }
      if (where === 'local') await fs.close();
    });
  }

  it('a step costs one round trip', async () => {
    const t = await startTracee('counter');
    await t.waitFor(/ready/);
    const s = await Session.attach(remote, t.pid);
    open.push(s);
    await s.stepN(1);
    const before = remote.stats();
    const ev = await s.stepN(1);
    const after = remote.stats();
    expect(ev.kind).toBe('step');
    expect(after.roundTrips - before.roundTrips).toBe(1);
    expect(after.bursts - before.bursts).toBe(1);
    // step, wait, why, regs: four requests in that burst.
    expect(after.framesSent - before.framesSent).toBe(4);
    const b2 = remote.stats();
    // stepN runs its steps where the target is (ProcFs.stepLoop): 100 steps, one round trip.
    await s.stepN(100);
    expect(remote.stats().roundTrips - b2.roundTrips).toBe(1);
  });

  it('an interrupt overtakes the ctl wait it ends', async () => {
    const t = await startTracee('counter');
    await t.waitFor(/ready/);
    const s = await Session.attach(remote, t.pid);
    open.push(s);
    const running = s.cont();
    await waitUntil(() => procState(t.pid).state !== 't');
    const ev = await s.interrupt();
    expect(ev.kind).toBe('interrupted');
    expect(await running).toBe(ev);
    expect(procState(t.pid).state).toBe('t');
  });

  it('fails pending requests with EIO when the agent dies', async () => {
    const r = await connectAgent(agentCmd, { name: 'doomed' });
    const t = await startTracee('counter');
    await t.waitFor(/ready/);
    const s = await Session.attach(r, t.pid);
    const waiting = s.cont().catch((e: unknown) => e);
    // The agent's pid: the one process whose TracerPid-owner is the target's tracer.
    const tracer = procState(t.pid).tracerPid;
    process.kill(tracer, 'SIGKILL');
    const err = await waiting;
    expect(err).toBeInstanceOf(ProcfsError);
    expect((err as ProcfsError).code).toBe('EIO');
    expect((err as ProcfsError).message).toMatch(/^connection to the agent lost: /);
    await expect(r.pids()).rejects.toMatchObject({ code: 'EIO' });
    s.releaseSync();
    // SIGKILLed tracer: the kernel detaches; nothing was planted, so the target runs on clean.
    await waitUntil(() => procState(t.pid).tracerPid === 0);
  });
});

describe.skipIf(!live)('a cut connection', () => {
  const agents: ChildProcess[] = [];

  afterEach(() => {
    killAllTracees();
    for (const a of agents.splice(0)) a.kill('SIGKILL');
  });

  async function startAgent(): Promise<{ child: ChildProcess; remote: RemoteProcFs; exit: Promise<number | null>; stderr: () => string }> {
    const child = spawn(agentCmd[0]!, agentCmd.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    agents.push(child);
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exit = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    const remote = await RemoteProcFs.connect(child.stdout!, child.stdin!, { name: 'cut' });
    return { child, remote, exit, stderr: () => err };
  }

  it('a bad frame from the client: the agent says why on both sides and exits 1', async () => {
    const a = await startAgent();
    const bad = encodeRequest(5, { kind: Kind.PIDS });
    bad[8] = 0x55;
    a.child.stdin!.write(bad);
    expect(await a.exit).toBe(1);
    expect(a.stderr()).toBe('pdbg serve: unknown message kind 0x55\n');
    await expect(a.remote.pids()).rejects.toMatchObject({ code: 'EIO', message: 'connection to the agent lost: the agent ended the session: unknown message kind 0x55' });
  });

  it('a trap the client never saw: the pc is already back on the instruction, the byte restored, the target runs on', async () => {
    const t = await startTracee('counter');
    await t.waitFor(/ready/);
    const syms = await ProcessSymbols.forProcess(new LinuxProcFs('/proc'), t.pid);
    const main = syms.lookup('main');
    const counter = syms.lookup('counter').address;
    // An agent in this process, over a unix socket, its source spied on: the live source rewound
    // the trap as it collected it, so the agent has no pc to put back when the client is gone.
    const src = new LinuxProcFs('/proc');
    const write = src.write.bind(src);
    const regsWritten: number[] = [];
    src.write = (pid, node, data, opts) => {
      if (node === 'regs' && typeof data !== 'string') regsWritten.push(pcNumber(data));
      return write(pid, node, data, opts);
    };
    let agent: Agent | undefined;
    const server = createServer((sock) => (agent = serveProcFs(src, sock, sock)));
    const path = join(dir, 'trap.sock');
    await new Promise<void>((res) => server.listen(path, res));
    const sock = connect(path);
    await new Promise<void>((res) => sock.once('connect', res));
    const r = await RemoteProcFs.connect(sock, sock);
    try {
      const regs = Buffer.alloc(REGS_SIZE);
      await r.write(t.pid, 'ctl', 'attach');
      await r.write(t.pid, 'ctl', 'wait');
      // A pc in main's loop (not in printf): the loop runs it again at once.
      for (;;) {
        await r.readInto(t.pid, 'regs', regs);
        const pc = BigInt(pcNumber(regs));
        if (pc >= main.address && pc < main.address + BigInt(main.size)) break;
        await r.write(t.pid, 'ctl', 'step');
        await r.write(t.pid, 'ctl', 'wait');
      }
      const at = BigInt(pcNumber(regs));
      const original = (await r.read(t.pid, 'mem', { offset: at, length: 1 }))[0];
      await r.write(t.pid, 'mem', Uint8Array.of(0xcc), { offset: at });
      await r.write(t.pid, 'ctl', 'run');
      await r.write(t.pid, 'ctl', 'wait');
      expect((await r.read(t.pid, 'why')).toString()).toMatch(new RegExp(`^stopped \\d+ trap 0x${(at + 1n).toString(16)}`));
      expect(regsWritten).toEqual([]);
      await r.readInto(t.pid, 'regs', regs);
      expect(pcNumber(regs)).toBe(Number(at));
      // The client vanishes right there, never having seen the trap.
      sock.destroy();
      await waitUntil(() => agent !== undefined);
      expect(await agent!.done).toMatchObject({ how: 'eof', released: 1 });
      expect(regsWritten).toEqual([]);
      expect(procState(t.pid).tracerPid).toBe(0);
      expect(rawMem(t.pid, at, 1)[0]).toBe(original);
      const c0 = rawMem(t.pid, counter, 8).readBigUInt64LE();
      await waitUntil(() => rawMem(t.pid, counter, 8).readBigUInt64LE() > c0 + 1000n);
      expect(procState(t.pid).state).toMatch(/[RS]/);
    } finally {
      server.close();
    }
  });

  for (const how of ['stdin closed', 'SIGTERM'] as const) {
    it(`${how} while waiting in cont: the target is untraced, its bytes original, and it runs`, async () => {
      const t = await startTracee('counter');
      await t.waitFor(/ready/);
      const syms = await ProcessSymbols.forProcess(new LinuxProcFs('/proc'), t.pid);
      const main = syms.lookup('main').address;
      const counter = syms.lookup('counter').address;
      const original = rawMem(t.pid, main, 1)[0];
      const a = await startAgent();
      const s = await Session.attach(a.remote, t.pid);
      // main is never entered again: cont waits until the connection goes.
      await s.break(main);
      const waiting = s.cont().catch((e: unknown) => e);
      await waitUntil(() => procState(t.pid).state !== 't');
      expect(rawMem(t.pid, main, 1)[0]).toBe(0xcc);
      if (how === 'SIGTERM') a.child.kill('SIGTERM');
      else a.child.stdin!.destroy();
      const code = await a.exit;
      expect(code).toBe(how === 'SIGTERM' ? 143 : 0);
      expect(a.stderr()).toMatch(/released the target/);
      expect(procState(t.pid).tracerPid).toBe(0);
      expect(rawMem(t.pid, main, 1)[0]).toBe(original);
      const c0 = rawMem(t.pid, counter, 8).readBigUInt64LE();
      await waitUntil(() => rawMem(t.pid, counter, 8).readBigUInt64LE() > c0);
      expect(procState(t.pid).state).toMatch(/[RS]/);
      const err = await waiting;
      expect(err).toBeInstanceOf(ProcfsError);
      s.releaseSync();
    });
  }
});

describe('malformed input to `pdbg serve --stdio`', () => {
  it('garbage: one line on stderr, non-zero exit, no stack', () => {
    const r = spawnSync(process.execPath, [pdbgBin, 'serve', '--stdio'], { input: Buffer.from('GET / HTTP/1.1\r\n\r\n'), timeout: 20_000 });
    expect(r.status).not.toBe(0);
    const lines = r.stderr.toString().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^pdbg serve: /);
    expect(r.stderr.toString()).not.toMatch(/\n\s+at /);
    // stdout carries frames only: the session-ending ERR (id 0) with the same line.
    const frames = new FrameReader().push(r.stdout);
    expect(frames.map((f) => [f.id, f.kind])).toEqual([[0, Kind.ERR]]);
    expect(`pdbg serve: ${decodeError(frames[0]!.payload).message}`).toBe(lines[0]);
  });

  it('a hello of another version: an EPROTO reply, one line, exit 1', () => {
    const hello = encodeRequest(0, { kind: Kind.HELLO, version: 99 });
    const r = spawnSync(process.execPath, [pdbgBin, 'serve', '--stdio'], { input: hello, timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr.toString().trim()).toMatch(/^pdbg serve: protocol version 99 not supported \(this agent speaks version 2\)$/);
    const [f] = new FrameReader().push(r.stdout);
    expect(f!.kind).toBe(Kind.ERR);
  });

  it('a request before the hello ends the session', () => {
    const r = spawnSync(process.execPath, [pdbgBin, 'serve', '--stdio'], { input: encodeRequest(1, { kind: Kind.PIDS }), timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr.toString().trim()).toBe('pdbg serve: the client did not start with a hello');
  });
});
