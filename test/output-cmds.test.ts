/**
 * gdb's output commands (issue 18 §3) against gdb on the same stop: `printf`, `echo`, `output`,
 * and `display` shown after each stop, `undisplay`, `info display`.
 */
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
import { buildTarget, killAll } from './helpers/targets.js';
import { killPids, releaseSessions } from './helpers/cleanup.js';

/** One client per session, as a user interface holds one (its value history and displays last). */
const clients = new Map<Session, Client>();
function client(s: Session): Client {
  let c = clients.get(s);
  if (!c) clients.set(s, (c = new Client(s)));
  return c;
}

const dir = mkdtempSync(join(tmpdir(), 'pdbg-output-'));
let fs: ProcFs;
const open: Session[] = [];
const pids: number[] = [];

async function launch(): Promise<Session> {
  const s = await Session.launch(fs, [buildTarget('inspectee')], { stdout: join(dir, `out-${pids.length}`), stderr: 'ignore', stdin: 'ignore' });
  open.push(s);
  pids.push(s.pid);
  return s;
}

async function run(s: Session, line: string): Promise<string> {
  return (await runCommandLine(client(s), line)).lines.join('\n');
}

describe.skipIf(!liveOk('output-cmds'))('printf, echo, output, display against gdb', () => {
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

  it('printf, echo and output print what gdb prints for the same stop', async () => {
    const s = await launch();
    await run(s, 'break checkpoint');
    await run(s, 'continue');
    const cmds = [
      'printf "%d %5d|%-5d|%05d %x %#x %X %o %u\\n", $rdi, 42, 42, 42, 255, 255, 255, 8, -1',
      'printf "%s|%.3s|%10s|%c%c\\n", greeting, greeting, greeting, 72, 105',
      'printf "%ld %lu %lx %p\\n", -5, -5, -5, $rsp',
      'printf "100%% done, tab\\there\\n"',
      'echo hello\\tworld\\n',
      'echo quote \\" and backslash \\\\\\n',
      'output $rdi',
      'output/x 255',
    ];
    const ours: string[] = [];
    for (const c of cmds) ours.push(await run(s, c));
    const pid = s.pid;
    await s.detach({ leave: 'stopped' });
    const theirs = gdbEach(pid, cmds);
    cmds.forEach((c, i) => expect([c, ours[i]]).toEqual([c, theirs[i]]));
  });

  it('display shows after every stop as gdb shows it; undisplay and info display', async () => {
    const s = await launch();
    await run(s, 'break checkpoint');
    expect(await run(s, 'display $rdi')).toMatch(/^1: \$rdi = \d+$/);
    expect(await run(s, 'display/x $rsp')).toMatch(/^2: \/x \$rsp = 0x[0-9a-f]+$/);
    expect(await run(s, 'display/i $pc')).toMatch(/^3: x\/i \$pc\n=> 0x[0-9a-f]+ <[^>]+>:\t/);
    const stop = await run(s, 'continue');
    const lines = stop.split('\n');
    expect(lines[0]).toMatch(/breakpoint 1 at 0x[0-9a-f]+ <checkpoint>/);
    expect(lines[1]).toMatch(/^1: \$rdi = \d+$/);
    expect(lines[2]).toMatch(/^2: \/x \$rsp = 0x[0-9a-f]+$/);
    expect(lines[3]).toBe('3: x/i $pc');
    expect(lines[4]).toMatch(/^=> 0x[0-9a-f]+ <checkpoint(\+\d+)?>:\t/);
    // The values are gdb's for the same stop.
    const pid = s.pid;
    const rdi = /^1: \$rdi = (\d+)$/.exec(lines[1]!)![1];
    const rsp = /^2: \/x \$rsp = (0x[0-9a-f]+)$/.exec(lines[2]!)![1];
    expect(await run(s, 'info display')).toBe('Auto-display expressions now in effect:\nNum Enb Expression\n1:   y  $rdi\n2:   y  /x $rsp\n3:   y  /i $pc');
    await run(s, 'undisplay 1 3');
    expect((await run(s, 'stepi')).split('\n').slice(1)).toEqual([expect.stringMatching(/^2: \/x \$rsp = 0x[0-9a-f]+$/)]);
    await run(s, 'undisplay');
    expect(await run(s, 'info display')).toBe('There are no auto-display expressions now.');
    await expect(run(s, 'undisplay 9')).rejects.toThrow(/No display number 9\./);
    await s.detach({ leave: 'stopped' });
    // rdi is unchanged by the one stepi: gdb reads the display's value there.
    const [g1] = gdbEach(pid, ['p $rdi']);
    expect(g1).toBe(`$1 = ${rdi}`);
    expect(rsp).toMatch(/^0x[0-9a-f]+$/);
  });
});
