import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ProcFs } from '../src/procfs/source.js';
import { openProcFs } from '../src/procfs/sources/open.js';
import { Client } from '../src/commands/client.js';
import { runCommandLine } from '../src/commands/commands.js';
import { Session } from '../src/engine/session.js';
import { gdbEach } from './helpers/gdb.js';
import { liveOk } from './helpers/root.js';
import { buildTarget, killAll, rawMem } from './helpers/targets.js';
import { killPids, releaseSessions } from './helpers/cleanup.js';

/** One client per session, as a user interface holds one (its value history and displays last). */
const clients = new Map<Session, Client>();
function client(s: Session): Client {
  let c = clients.get(s);
  if (!c) clients.set(s, (c = new Client(s)));
  return c;
}

const dir = mkdtempSync(join(tmpdir(), 'pdbg-inspect-'));
let fs: ProcFs;
const open: Session[] = [];
const pids: number[] = [];

async function launch(args: string[] = []): Promise<Session> {
  const s = await Session.launch(fs, [buildTarget('inspectee'), ...args], { stdout: join(dir, `out-${pids.length}`), stderr: 'ignore', stdin: 'ignore' });
  open.push(s);
  pids.push(s.pid);
  return s;
}

/** Runs one command line; its lines. */
async function run(s: Session, line: string): Promise<string[]> {
  return (await runCommandLine(client(s), line)).lines;
}


/** gdb running the program itself to a stop (the oracle for breakpoint semantics). */
function gdbRun(args: string[], cmds: string[]): string {
  const ex = cmds.flatMap((c) => ['-ex', c]);
  return execFileSync('gdb', ['-nx', '-batch', ...ex, '--args', buildTarget('inspectee'), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 });
}

const addrOf = (line: string) => /(0x[0-9a-f]+)/.exec(line)?.[1];

describe.skipIf(!liveOk('inspect'))('inspection commands against gdb', () => {
  beforeAll(async () => {
    fs = await openProcFs();
  });
  afterEach(async () => {
    await releaseSessions(open);
    killPids(pids);
    killAll();
  });
  afterAll(async () => {
    await fs?.close();
  });

  it('x/FMT, print, info and disassemble print what gdb prints for the same stop', async () => {
    const s = await launch();
    await run(s, 'break checkpoint');
    expect((await run(s, 'continue'))[0]).toMatch(/breakpoint 1 at 0x[0-9a-f]+ <checkpoint>/);
    const cmds = ['x/8xb $rsp', 'x/2gx $rsp', 'x/4dw $rsp', 'x/s $rdi', 'x/s greeting', 'x/3c greeting', 'x/2a $rsp', 'p/x $rdi', 'p $rdi', 'p $rsp+8', 'p/d $rdi & 0xff', 'p/t 10', 'p/c 65', 'p $pc', 'info symbol $pc', 'info registers rip rsp rdi eflags'];
    const ours: string[] = [];
    for (const c of cmds) ours.push((await run(s, c)).join('\n'));
    const insns = await run(s, 'x/8i $pc');
    const dis = await run(s, 'disassemble main');
    const libs = await run(s, 'info sharedlibrary');
    const pid = s.pid;
    await s.detach({ leave: 'stopped' });
    const theirs = gdbEach(pid, [...cmds, 'x/8i $pc', 'disassemble main', 'info sharedlibrary']);
    cmds.forEach((c, i) => expect([c, ours[i]]).toEqual([c, theirs[i]]));
    // Instructions: the same boundaries, the pc marked on the same one.
    const gi = theirs[cmds.length]!.split('\n');
    expect(insns.map(addrOf)).toEqual(gi.map(addrOf));
    expect(insns.map((l) => l.startsWith('=>'))).toEqual(gi.map((l) => l.startsWith('=>')));
    const gd = theirs[cmds.length + 1]!.split('\n');
    expect(dis[0]).toBe(gd[0]);
    expect(dis.at(-1)).toBe('End of assembler dump.');
    expect(dis.map(addrOf)).toEqual(gd.map(addrOf));
    // gdb's offsets within the function.
    expect(dis.map((l) => /<\+\d+>/.exec(l)?.[0])).toEqual(gd.map((l) => /<\+\d+>/.exec(l)?.[0]));
    // Paths by file name: gdb names the loader by its PT_INTERP path, pdbg by the mapped file.
    const rows = (t: string[]) => t.filter((l) => /^0x/.test(l)).map((l) => l.split(/\s+/).filter((w) => w.startsWith('0x') || w.startsWith('/')).map((w) => w.replace(/^.*\//, '')));
    expect(rows(libs)).toEqual(rows(theirs[cmds.length + 2]!.split('\n')));
    expect(rows(libs).length).toBeGreaterThanOrEqual(2);
  });

  it('reads bare register names, remembers x formats and the value history', async () => {
    const s = await launch();
    await run(s, 'break checkpoint');
    await run(s, 'continue');
    const rsi = await s.reg('rsi');
    expect((await runCommandLine(client(s), 'x rsi 16')).data).toMatchObject({ addr: rsi });
    expect((await run(s, 'x $pc 2'))[0]).toMatch(/^0x[0-9a-f]+: [0-9a-f]{2} [0-9a-f]{2} /);
    const w = await run(s, 'x/2xw greeting');
    expect(w[0]).toMatch(/<greeting>:\t0x6c6c6568\t0x22202c6f$/);
    // A bare x goes on from there, in the last format.
    expect((await run(s, 'x'))[0]).toMatch(/<greeting\+8>:\t0x6c726f77$/);
    expect(await run(s, 'p 2 + 3')).toEqual(['$1 = 5']);
    expect(await run(s, 'p $ * 2')).toEqual(['$2 = 10']);
    expect(await run(s, 'p $1 + $$')).toEqual(['$3 = 10']);
    expect(await run(s, 'p *(int*)&flag')).toEqual(['$4 = -7']);
    expect(await run(s, 'p *&flag:4')).toEqual([`$5 = ${2 ** 32 - 7}`]);
    await expect(run(s, 'p *0')).rejects.toThrow(/^cannot read memory at 0x0$/);
    await expect(run(s, 'x/4xg 0')).rejects.toThrow(/^cannot read memory at 0x0$/);
    await expect(run(s, 'p $nosuch')).rejects.toThrow(/^unknown register '\$nosuch' \(one of/);
    await expect(run(s, 'p nosuch')).rejects.toThrow(/^no symbol 'nosuch' in pid \d+'s executable or libraries$/);
    await expect(run(s, 'info proc mappings')).resolves.toEqual(expect.arrayContaining([expect.stringMatching(/r-xp +\S*inspectee$/)]));
    expect(await run(s, 'info symbol 0')).toEqual(['No symbol matches 0.']);
    // gdb's `break *EXPR`: the address an expression gives.
    expect(await run(s, 'tbreak *main + 4')).toEqual([expect.stringMatching(/^temporary breakpoint 2 at 0x[0-9a-f]+ <main\+4>$/)]);
    expect(await run(s, 'info breakpoints')).toEqual([expect.any(String), expect.stringMatching(/^1 +breakpoint +keep y /), expect.any(String), expect.stringMatching(/^2 +breakpoint +del +y +0x0{4}[0-9a-f]{12} <main\+4>$/)]);
  });

  it('break f if COND stops once, at the hit gdb stops at, with gdb\'s hit count', async () => {
    const s = await launch(['10']);
    expect(await run(s, 'break f if $rdi == 5')).toEqual([expect.stringMatching(/^breakpoint 1 at 0x[0-9a-f]+ <f>$/)]);
    expect((await runCommandLine(client(s), 'continue')).stop).toMatchObject({ kind: 'breakpoint', id: 1 });
    expect(await s.reg('rdi')).toBe(5n);
    const ours = await run(s, 'info breakpoints');
    expect(ours[0]).toBe('Num     Type           Disp Enb Address            What');
    expect(ours.slice(1).map((l) => l.replace(/^1 .*/, '1'))).toEqual(['1', '\tstop only if $rdi == 5', '\tbreakpoint already hit 1 time']);
    const g = gdbRun(['10'], ['break f if $rdi == 5', 'run', 'p $rdi', 'info breakpoints']);
    expect(g).toContain('$1 = 5');
    expect(g).toContain('\tstop only if $rdi == 5\n\tbreakpoint already hit 1 time');
    // The condition never holds again: the run ends.
    expect((await runCommandLine(client(s), 'continue')).stop).toMatchObject({ kind: 'exited', code: 0 });
  });

  it('ignore N COUNT passes COUNT hits, counted as gdb counts them', async () => {
    const s = await launch(['10']);
    await run(s, 'break f');
    expect(await run(s, 'ignore 1 3')).toEqual(['Will ignore next 3 crossings of breakpoint 1.']);
    expect((await run(s, 'info breakpoints')).at(-1)).toBe('\tWill ignore next 3 crossings of breakpoint.');
    await run(s, 'continue');
    expect(await s.reg('rdi')).toBe(3n);
    const ours = (await run(s, 'info breakpoints')).slice(1);
    expect(ours.slice(1)).toEqual(['\tbreakpoint already hit 4 times']);
    const g = gdbRun(['10'], ['break f', 'ignore 1 3', 'run', 'p $rdi', 'info breakpoints']);
    expect(g).toContain('$1 = 3');
    expect(g).toMatch(/\tbreakpoint already hit 4 times\n(?!\tWill ignore)/);
    // condition N without COND makes it unconditional again; with a false one, no stop.
    await run(s, 'condition 1 $rdi == 1000');
    expect(s.breakpoints()[0]!.condition).toBe('$rdi == 1000');
    expect(await run(s, 'condition 1')).toEqual(['Breakpoint 1 now unconditional.']);
    await run(s, 'continue');
    expect(await s.reg('rdi')).toBe(4n);
  });

  it('disable takes the byte out, enable plants it again; a failing condition stops with gdb\'s message', async () => {
    const s = await launch(['10']);
    await run(s, 'break f');
    const addr = s.breakpoints()[0]!.addr;
    expect(rawMem(s.pid, addr, 1)[0]).toBe(0xcc);
    await run(s, 'disable 1');
    expect(rawMem(s.pid, addr, 1)[0]).not.toBe(0xcc);
    expect((await run(s, 'info breakpoints'))[1]).toMatch(/^1       breakpoint     keep n   0x0{4}[0-9a-f]{12} <f>$/);
    await run(s, 'break checkpoint');
    expect((await runCommandLine(client(s), 'continue')).stop).toMatchObject({ kind: 'breakpoint', id: 2 });
    await run(s, 'enable 1');
    expect(rawMem(s.pid, addr, 1)[0]).toBe(0xcc);
    await run(s, 'condition 1 *0 == 1');
    const said: string[] = [];
    s.onMessage((t) => said.push(t));
    expect((await runCommandLine(client(s), 'continue')).stop).toMatchObject({ kind: 'breakpoint', id: 1 });
    expect(said).toEqual(['Error in testing condition for breakpoint 1: cannot read memory at 0x0']);
    await expect(run(s, 'break f if 1 +')).rejects.toThrow(/syntax error/);
    await expect(run(s, 'enable 9')).rejects.toThrow(/no breakpoint number 9/);
    await run(s, 'delete 1');
    expect(rawMem(s.pid, addr, 1)[0]).not.toBe(0xcc);
  });

  it('nexti steps over a call to the next instruction, past deeper frames of a recursion', async () => {
    const s = await launch(['2']);
    await run(s, 'break rec');
    await run(s, 'continue');
    expect(await s.reg('rdi')).toBe(3n);
    // The recursive call inside rec, reached in the outermost frame.
    const dis = (await runCommandLine(client(s), 'disassemble rec')).data as { instructions: { addr: bigint; length: number; text: string }[] };
    const call = dis.instructions.find((i) => /^call .*<rec>/.test(i.text))!;
    expect(call).toBeDefined();
    await run(s, 'disable 1');
    await run(s, `until 0x${call.addr.toString(16)}`);
    expect(await s.reg('rip')).toBe(call.addr);
    const sp = await s.reg('rsp');
    const r = await runCommandLine(client(s), 'nexti');
    expect(r.stop).toMatchObject({ kind: 'step', pc: call.addr + BigInt(call.length) });
    expect(await s.reg('rsp')).toBe(sp);
    expect(BigInt.asUintN(32, await s.reg('rax'))).toBe(2n); // rec(2) returned, in this frame
    // No internal breakpoint is left or listed, and numbering goes on as the user's
    // (`until`'s temporary breakpoint took number 2).
    expect(s.breakpoints().map((b) => b.id)).toEqual([1]);
    expect(await run(s, 'break f')).toEqual([expect.stringMatching(/^breakpoint 3 /)]);
    // A plain instruction: one step.
    const pc = await s.reg('rip');
    const next = (await runCommandLine(client(s), 'x/2i $pc')).data as { instructions: { addr: bigint }[] };
    expect((await runCommandLine(client(s), 'ni')).stop).toMatchObject({ kind: 'step', pc: next.instructions[1]!.addr });
    expect(pc).toBe(next.instructions[0]!.addr);
  });

  it('nexti stops at a user breakpoint inside the called function', async () => {
    const s = await launch(['2']);
    await run(s, 'break main');
    await run(s, 'continue');
    const dis = (await runCommandLine(client(s), 'disassemble')).data as { instructions: { addr: bigint; text: string }[] };
    const call = dis.instructions.find((i) => /<checkpoint>/.test(i.text))!;
    await run(s, `until 0x${call.addr.toString(16)}`);
    await run(s, 'break checkpoint');
    const id = s.breakpoints().find((b) => b.spec === 'checkpoint')!.id;
    expect((await runCommandLine(client(s), 'nexti')).stop).toMatchObject({ kind: 'breakpoint', id });
    expect(s.breakpoints().map((b) => b.id)).toEqual([1, id]);
    // The next nexti comes back from the call (the breakpoint stepped off first).
    expect((await runCommandLine(client(s), 'continue')).stop).toMatchObject({ kind: 'exited', code: 0 });
  });
});
