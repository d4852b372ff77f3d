import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { USER_REGS_NAMES } from '../src/arch/x86-64/registers-linux.js';
import { applyPlan, EMULATED_FORMS, planApplies, planFor, type EmulationPlan } from '../src/engine/emulate.js';
import { REGS_SIZE } from '../src/engine/regfile.js';
import { Session, type StopEvent } from '../src/engine/session.js';
import type { ProcFs } from '../src/procfs/source.js';
import { FakeProcFs } from '../src/procfs/sources/fake.js';
import { CODE, spinner } from '../src/procfs/sources/fake/programs.js';
import { LinuxProcFs } from '../src/procfs/sources/linux/index.js';
import { openProcFs } from '../src/procfs/sources/open.js';
import { serveProcFs, type Agent } from '../src/remote/agent.js';
import { RemoteProcFs } from '../src/remote/remote-procfs.js';
import { killPids, releaseSessions } from './helpers/cleanup.js';
import { liveOk } from './helpers/root.js';
import { buildTarget, procState } from './helpers/targets.js';
import { killAllTracees, startTracee } from './helpers/tracee.js';

const hex = (s: string) => Buffer.from(s.replace(/ /g, ''), 'hex');
const off = (name: string) => USER_REGS_NAMES.indexOf(name) * 8;
/** iced-x86's register order, which the C helpers use too. */
const GPRS = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
const M64 = (1n << 64n) - 1n;

function regsWith(values: Record<string, bigint>): Buffer {
  const b = Buffer.alloc(REGS_SIZE);
  for (const [k, v] of Object.entries(values)) b.writeBigUInt64LE(v & M64, off(k));
  return b;
}
const get = (b: Buffer, name: string) => b.readBigUInt64LE(off(name));

describe('the emulation table, decided from bytes', () => {
  it('plans each form in the table and refuses what is not in it', () => {
    const planned: [string, string, number][] = [
      ['55', 'push %rbp', 1], ['41 57', 'push %r15', 2], ['54', 'push %rsp', 1],
      ['f3 0f 1e fa', 'endbr64', 4], ['90', 'nop', 1], ['66 90', 'nop', 2], ['0f 1f 44 00 00', 'nop', 5],
      ['66 2e 0f 1f 84 00 00 00 00 00', 'nop', 10],
      ['48 89 e5', 'mov %rsp,%rbp', 3], ['48 8b ec', 'mov %rsp,%rbp', 3], ['49 89 ca', 'mov %rcx,%r10', 3],
      ['89 fa', 'mov %edi,%edx', 2], ['b8 3c 00 00 00', 'mov $0x3c,%eax', 5], ['48 c7 c0 ff ff ff ff', 'mov $-0x1,%rax', 7],
      ['48 b8 88 77 66 55 44 33 22 11', 'movabs $0x1122334455667788,%rax', 10],
      ['48 83 ec 08', 'sub $0x8,%rsp', 4], ['48 81 ec d8 00 00 00', 'sub $0xd8,%rsp', 7], ['48 2d 00 01 00 00', 'sub $0x100,%rax', 6],
      ['48 83 c4 08', 'add $0x8,%rsp', 4], ['eb 10', 'jmp .+0x12', 2],
    ];
    for (const [bytes, text, length] of planned) {
      const p = planFor(hex(bytes));
      expect(p, bytes).toMatchObject({ text, length });
      expect(EMULATED_FORMS.some((f) => f.id === p!.form)).toBe(true);
    }
    // xor/test (AF undefined), loads and memory operands, push imm/16-bit, pause, a 32-bit xchg
    // (it zero-extends), a call, a locked add, an int3, a truncated and an empty instruction.
    for (const bytes of ['31 c0', '48 85 ff', '48 8b 05 aa 00 00 00', 'ff 35 aa 00 00 00', '6a 00', '66 55', 'f3 90', '87 c0',
      'e8 00 00 00 00', 'f0 48 01 00', '48 83 04 24 01', 'cc', '48 83 ec', '']) {
      expect(planFor(hex(bytes)), bytes).toBeUndefined();
    }
  });

  it('has one table row per form, each with its effect and flags', () => {
    const ids = EMULATED_FORMS.map((f) => f.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const f of EMULATED_FORMS) expect(f.effect && f.flags && f.encodings && f.syntax).toBeTruthy();
    expect(EMULATED_FORMS.filter((f) => f.flags !== '-').map((f) => f.id).sort()).toEqual(['add', 'sub']);
  });

  it('leaves a push that would cross into the page below to the CPU', () => {
    const push = planFor(hex('55'))!;
    const at = (rsp: bigint) => planApplies(push, regsWith({ rsp }));
    expect([at(0x7ffe0000n), at(0x7ffe0004n), at(0x7ffe0008n), at(0x7ffe0ff8n)]).toEqual([false, false, true, true]);
    expect(planApplies(planFor(hex('48 83 ec 08'))!, regsWith({ rsp: 0x7ffe0000n }))).toBe(true);
  });

  it('a push moves rsp, writes the old value (push %rsp: the old rsp) and nothing else', () => {
    const r = regsWith({ rip: 0x1000n, rsp: 0x7ffe0100n, rbp: 0x1234n, eflags: 0x246n });
    const before = Buffer.from(r);
    const w = applyPlan(planFor(hex('54'))!, r);
    expect(w).toEqual({ addr: 0x7ffe00f8n, data: Buffer.from('0001fe7f00000000', 'hex') });
    expect(get(r, 'rsp')).toBe(0x7ffe00f8n);
    expect(get(r, 'rip')).toBe(0x1001n);
    for (const n of USER_REGS_NAMES) if (n !== 'rsp' && n !== 'rip') expect(get(r, n), n).toBe(get(before, n));
  });
});

/** One row of test/targets/emurows.c: its name, bytes and plan. */
interface Row {
  name: string;
  bytes: Buffer;
  plan: EmulationPlan;
}

describe('the emulation table against the CPU (test/targets/emurows.c)', () => {
  const bin = buildTarget('emurows');
  const rows: Row[] = execFileSync(bin, ['list'], { encoding: 'utf8' }).trim().split('\n').map((l) => {
    const [name, bytes] = l.split(' ');
    const plan = planFor(Buffer.from(bytes!, 'hex'));
    if (!plan) throw new Error(`no plan for row ${name} (${bytes})`);
    return { name: name!, bytes: Buffer.from(bytes!, 'hex'), plan };
  });

  /** Register values for the cases: edges for flags (zero, carries, overflows, nibbles) and plain ones. */
  const EDGES = [0n, 1n, 0x7fffffffffffffffn, 0x8000000000000000n, M64, 0xfn, 0x10n, 0x80n, 0xffn, 0x7fffffffn, 0x80000000n, 0xffffffff00000000n, 0x123456789abcdef0n, 8n, 7n];
  const FLAGS = [0x2n, 0x8d5n, 0x0c1n, 0x814n];

  it('every row of the helper has a plan, and each form of the table is among them', () => {
    expect(new Set(rows.map((r) => r.plan.form))).toEqual(new Set(EMULATED_FORMS.map((f) => f.id)));
    for (const r of rows) {
      // The rows end where the instruction does; a jmp's bytes run to its target.
      if (r.plan.op === 'jump') expect(r.plan.delta).toBe(BigInt(r.bytes.length));
      else expect(r.plan.length).toBe(r.bytes.length);
    }
  });

  it('each row applied to a register file gives what the CPU computed, flags and stack included', () => {
    const cases: string[] = [];
    let k = 0;
    for (const r of rows) {
      const writesMemory = r.plan.op === 'push' || r.plan.op === 'store';
      // A store through rbp: rbp on the scratch stack too (the helper resolves `S` for both).
      const rbpOnStack = r.plan.op === 'store' && r.plan.base === off('rbp');
      for (let c = 0; c < EDGES.length * 2; c++, k++) {
        const vals = GPRS.map((_, i) => (EDGES[(c + i * 3) % EDGES.length]! ^ (BigInt(i) << 40n)) & M64);
        // The row's destination (or rsp) sees every edge value, and so does its source.
        vals[0] = EDGES[c % EDGES.length]!;
        vals[3] = EDGES[(c + 1) % EDGES.length]!;
        vals[13] = EDGES[(c + 2) % EDGES.length]!;
        vals[8] = EDGES[(c + 4) % EDGES.length]!;
        vals[4] = EDGES[(c + 5) % EDGES.length]!;
        const rsp = writesMemory ? 'S' : vals[4]!.toString(16);
        cases.push(`${r.name} ${vals.map((v, i) => (i === 4 ? rsp : i === 5 && rbpOnStack ? 'S' : v.toString(16))).join(' ')} ${FLAGS[k % FLAGS.length]!.toString(16)}`);
      }
    }
    const out = execFileSync(bin, [], { input: cases.join('\n') + '\n', encoding: 'utf8' }).trim().split('\n');
    expect(out.length).toBe(cases.length);
    const byName = new Map(rows.map((r) => [r.name, r]));
    let compared = 0;
    for (let i = 0; i < cases.length; i++) {
      const input = cases[i]!.split(' ');
      const f = out[i]!.split(' ');
      const row = byName.get(f[0]!)!;
      const pre = BigInt(`0x${f[1]}`);
      const after = f.slice(2, 18).map((x) => BigInt(`0x${x}`));
      const flagsAfter = BigInt(`0x${f[18]}`);
      const stackBase = BigInt(`0x${f[19]}`);
      const changed = f.slice(20).map((x) => x.split('=').map((y) => BigInt(`0x${y}`)) as [bigint, bigint]);
      // The register file as it was before the row: rsp as the helper resolved `S`.
      const rspIn = input[5] === 'S' ? stackBase + 256n * 8n : BigInt(`0x${input[5]}`);
      const regs = regsWith({ rip: 0x40_0000n, eflags: pre, cs: 0x33n, ss: 0x2bn });
      GPRS.forEach((n, j) => regs.writeBigUInt64LE(j === 4 ? rspIn : input[j + 1] === 'S' ? stackBase + 256n * 8n : BigInt(`0x${input[j + 1]}`), off(n)));
      const ctx = `${cases[i]} → ${out[i]}`;
      expect(planApplies(row.plan, regs), ctx).toBe(true);
      const w = applyPlan(row.plan, regs);
      GPRS.forEach((n, j) => expect(get(regs, n), `${n}: ${ctx}`).toBe(after[j]));
      expect(get(regs, 'eflags'), `eflags: ${ctx}`).toBe(flagsAfter);
      expect(get(regs, 'rip'), `rip: ${ctx}`).toBe(0x40_0000n + BigInt(row.bytes.length));
      if (w) expect(changed, ctx).toEqual([[w.addr - stackBase, w.data.readBigUInt64LE()]]);
      else expect(changed, ctx).toEqual([]);
      compared++;
    }
    expect(compared).toBe(rows.length * EDGES.length * 2);
  });
});

describe('emulation on the fake source', () => {
  const sessions: Session[] = [];
  afterEach(() => releaseSessions(sessions));
  const STACK = 0x7f0000n;

  /** push %rbp; nop; jmp back: a loop whose first instruction is a push. */
  function pusher(withStack: boolean) {
    const code = Buffer.alloc(0x1000, 0x90);
    code.set([0x55, 0x90, 0xeb, 0xfc], 0);
    return {
      comm: 'pusher',
      regions: [{ start: CODE, bytes: code, perms: 'r-x' }, ...(withStack ? [{ start: STACK, bytes: 0x1000, perms: 'rw-' }] : [])],
      threads: [{ pc: CODE + 1n, regs: { rsp: STACK + 0x800n, rbp: 0xabcdefn } }],
    };
  }

  async function hitTwice(withStack: boolean, emulate: boolean) {
    const fs = new FakeProcFs();
    const pid = fs.add(pusher(withStack));
    const s = await Session.attach(fs, pid, { emulate });
    sessions.push(s);
    const bp = await s.break(CODE);
    const events: StopEvent[] = [await s.cont(), await s.step()];
    const regs = await s.regs();
    events.push(await s.cont());
    return { fs, pid, s, bp, events, regs };
  }

  it('a push is executed in the engine where the stack is there, stepped where it is not; the stops are the same', async () => {
    const withStack = await hitTwice(true, true);
    const noStack = await hitTwice(false, true);
    const off = await hitTwice(true, false);
    expect(withStack.bp.emulation).toMatchObject({ form: 'push', text: 'push %rbp' });
    expect(withStack.events).toEqual(off.events);
    expect(noStack.events).toEqual(off.events);
    expect(withStack.events.map((e) => e.kind)).toEqual(['breakpoint', 'step', 'breakpoint']);
    expect(withStack.s.stepOffs).toEqual({ emulated: 1, stepped: 0 });
    expect(noStack.s.stepOffs).toEqual({ emulated: 0, stepped: 1 });
    expect(off.s.stepOffs).toEqual({ emulated: 0, stepped: 1 });
    // The emulated push did what the CPU does (the fake's own model moves only rip).
    expect(withStack.regs.rsp).toBe(STACK + 0x7f8n);
    expect(withStack.fs.peek(withStack.pid, STACK + 0x7f8n, 8).readBigUInt64LE()).toBe(0xabcdefn);
    expect(noStack.regs.rsp).toBe(STACK + 0x800n);
  });

  it('nops are executed in the engine, and a write over a breakpoint\'s instruction decides its plan again', async () => {
    const fs = new FakeProcFs();
    const pid = fs.add(spinner());
    const s = await Session.attach(fs, pid);
    sessions.push(s);
    const bp = await s.break(CODE + 1n);
    expect(bp.emulation).toMatchObject({ form: 'nop' });
    expect(await s.cont()).toMatchObject({ kind: 'breakpoint', id: bp.id });
    expect(await s.cont()).toMatchObject({ kind: 'breakpoint', id: bp.id });
    expect(s.stepOffs).toEqual({ emulated: 1, stepped: 0 });
    await s.writeMem(CODE + 1n, Uint8Array.of(0x55));
    expect(bp.emulation).toMatchObject({ form: 'push' });
    await s.writeMem(CODE, Uint8Array.of(0x90, 0x31, 0xc0));
    expect(bp.emulation).toBeUndefined();
    expect(fs.peek(pid, CODE + 1n, 1)[0]).toBe(0xcc);
  });
});

describe.skipIf(!liveOk('emulate'))('emulation on live targets', () => {
  let fs: ProcFs;
  const dir = mkdtempSync(join(tmpdir(), 'pdbg-emulate-'));
  const open: Session[] = [];
  const launched: number[] = [];
  beforeAll(async () => {
    fs = await openProcFs();
  });
  afterEach(async () => {
    await releaseSessions(open);
    killPids(launched);
    killAllTracees();
  });
  afterAll(async () => {
    await fs?.close();
  });

  async function launch(name: string, args: string[], opts: { emulate?: boolean } = {}) {
    const out = join(dir, `${name}-${launched.length}.out`);
    const s = await Session.launch(fs, [buildTarget(name), ...args], { stdout: out, stderr: 'ignore', stdin: 'ignore', ...opts });
    launched.push(s.pid);
    open.push(s);
    return { s, out };
  }

  /** Continues until the target exits; hits per breakpoint id, and every other stop. */
  async function runToExit(s: Session) {
    const hits = new Map<number, number>();
    const others: StopEvent[] = [];
    for (;;) {
      const ev = await s.cont();
      if (ev.kind === 'breakpoint') hits.set(ev.id, (hits.get(ev.id) ?? 0) + 1);
      else if (ev.kind === 'exited' || ev.kind === 'killed') return { hits, others, end: ev };
      else others.push(ev);
    }
  }

  const withoutReady = (text: string) => text.split('\n').filter((l) => !l.startsWith('ready ')).join('\n');

  it('every entry, with a breakpoint hit on it at each call, leaves the same registers and stack as without pdbg', async () => {
    const ITER = '24';
    const plain = execFileSync(buildTarget('emuentries'), [ITER], { encoding: 'utf8' });
    const { s, out } = await launch('emuentries', [ITER]);
    const syms = await s.symbolTable();
    const names = [...new Set(syms!.modules[0]!.image.symbols.filter((x) => x.name.startsWith('e_')).map((x) => x.name))];
    expect(names.length).toBe(26);
    const bps = new Map<string, number>();
    for (const n of names) {
      const bp = await s.break(n);
      bps.set(n, bp.id);
      expect(bp.emulation === undefined, n).toBe(n === 'e_xor_eax');
    }
    const { hits, others, end } = await runToExit(s);
    expect(end).toEqual({ kind: 'exited', code: 0 });
    expect(others).toEqual([]);
    for (const n of names) expect(hits.get(bps.get(n)!), n).toBe(Number(ITER));
    // Stepped: the entry not in the table, and each push whose rsp sat on a page boundary
    // (every fourth call, emuentries.c `adjust`): the CPU's to do. Emulated: all the others.
    const pushes = names.filter((n) => n.startsWith('e_push_')).length;
    expect(s.stepOffs.stepped).toBe(Number(ITER) + (pushes * Number(ITER)) / 4);
    expect(s.stepOffs.emulated).toBe(names.length * Number(ITER) - s.stepOffs.stepped);
    const traced = readFileSync(out, 'utf8');
    expect(traced).toMatch(/done 624\n$/);
    expect(withoutReady(traced)).toBe(withoutReady(plain));
  });

  it('four threads on an emulated entry and a stepped one: every call is a hit, none is lost, no SIGTRAP', async () => {
    const { s, out } = await launch('emuthreads', ['150']);
    const emu = await s.break('emu_fn');
    const step = await s.break('step_fn');
    expect(emu.emulation).toMatchObject({ form: 'push' });
    expect(step.emulation).toBeUndefined();
    const { hits, others, end } = await runToExit(s);
    expect(others).toEqual([]);
    expect(end).toEqual({ kind: 'exited', code: 0 });
    expect(readFileSync(out, 'utf8')).toContain('emu 600 step 600\n');
    expect([hits.get(emu.id), hits.get(step.id)]).toEqual([600, 600]);
    expect([emu.hits, step.hits]).toEqual([600, 600]);
    expect(s.stepOffs.emulated).toBeGreaterThanOrEqual(590);
  });

  it('stepi on a breakpoint reports the same step, to the same registers, emulated or stepped', async () => {
    const seen: { events: StopEvent[]; delta: Record<string, bigint>; word: bigint; offs: { emulated: number; stepped: number } }[] = [];
    for (const emulate of [true, false]) {
      const { s } = await launch('breakme', ['3'], { emulate });
      const bp = await s.break('target_fn');
      const hit = await s.cont();
      const r0 = await s.regs();
      const st = await s.step();
      const r1 = await s.regs();
      const delta: Record<string, bigint> = {};
      for (const k of Object.keys(r0)) if (r0[k] !== r1[k]) delta[k] = (r1[k]! - r0[k]!) & M64;
      const word = (await s.readMem(r1.rsp!, 8)).readBigUInt64LE();
      expect(word).toBe(r0.rbp);
      expect(st).toEqual({ kind: 'step', tid: s.pid, pc: bp.addr + 1n });
      seen.push({ events: [hit, st].map((e) => ({ ...e, ...('pc' in e ? { pc: e.pc - bp.addr } : {}), ...('tid' in e ? { tid: 0 } : {}) }) as StopEvent), delta, word: word - r0.rbp!, offs: { ...s.stepOffs } });
      expect(await s.cont()).toMatchObject({ kind: 'breakpoint', id: bp.id });
    }
    expect(seen[0]!.events).toEqual(seen[1]!.events);
    expect(seen[0]!.delta).toEqual(seen[1]!.delta);
    expect(seen[0]!.delta).toEqual({ rip: 1n, rsp: M64 - 7n });
    expect(seen.map((x) => x.offs)).toEqual([{ emulated: 1, stepped: 0 }, { emulated: 0, stepped: 1 }]);
  });

  it('released just after an emulated 1-byte push (pc one past the int3): the target is not rewound and runs on', async () => {
    const t = await startTracee('breakme', ['100000', '1']);
    await t.waitFor(/call 2 /);
    const s = await Session.attach(fs, t.pid);
    open.push(s);
    const bp = await s.break('target_fn');
    expect(await s.cont()).toMatchObject({ kind: 'breakpoint', id: bp.id });
    expect(await s.step()).toMatchObject({ kind: 'step', pc: bp.addr + 1n });
    expect(s.stepOffs.emulated).toBe(1);
    await s.detach();
    expect(procState(t.pid).tracerPid).toBe(0);
    await checkRunsOn(t);
  });

  it('an agent whose client vanished after an emulated push leaves the pc where the client put it', async () => {
    const t = await startTracee('breakme', ['100000', '1']);
    await t.waitFor(/call 2 /);
    const src = new LinuxProcFs('/proc');
    let agent: Agent | undefined;
    const server = createServer((sock) => (agent = serveProcFs(src, sock, sock)));
    const path = join(dir, 'agent.sock');
    await new Promise<void>((res) => server.listen(path, res));
    const sock = connect(path);
    try {
      await new Promise<void>((res) => sock.once('connect', res));
      const r = await RemoteProcFs.connect(sock, sock);
      const s = await Session.attach(r, t.pid);
      const bp = await s.break('target_fn');
      expect(await s.cont()).toMatchObject({ kind: 'breakpoint', id: bp.id });
      expect(await s.step()).toMatchObject({ kind: 'step', pc: bp.addr + 1n });
      expect(s.stepOffs.emulated).toBe(1);
      sock.destroy();
      await waitUntil(() => agent !== undefined);
      expect(await agent!.done).toMatchObject({ released: 1 });
      s.releaseSync();
      expect(procState(t.pid).tracerPid).toBe(0);
      await checkRunsOn(t);
    } finally {
      server.close();
    }
  });

  /** breakme prints `call I -> 2I+1`: new lines keep coming and every one is right. */
  async function checkRunsOn(t: { stdout(): string }) {
    const n = t.stdout().length;
    await waitUntil(() => t.stdout().length > n + 60);
    const lines = t.stdout().trim().split('\n').filter((l) => l.startsWith('call'));
    for (const l of lines) {
      const [, i, r] = /call (\d+) -> (\d+)/.exec(l)!;
      expect(Number(r)).toBe(2 * Number(i) + 1);
    }
  }
});

async function waitUntil(cond: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`condition not met in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
