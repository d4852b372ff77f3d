/**
 * The client layer (src/commands/): one table whose entries parse typed arguments and answer
 * typed results, and a Client per user over a session, owning what gdb keeps per user (the
 * value history, the displays), so two users of one session do not see each other's `$1`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { Client } from '../src/commands/client.js';
import { COMMANDS, findCommand, helpLines, parseCommandLine, runCommandLine, type CommandResult } from '../src/commands/commands.js';
import { Session } from '../src/engine/session.js';
import type { ProcFs } from '../src/procfs/source.js';
import { openProcFs } from '../src/procfs/sources/open.js';
import { killPids, releaseSessions } from './helpers/cleanup.js';
import { liveOk } from './helpers/root.js';
import { buildTarget, killAll } from './helpers/targets.js';

describe('the command table', () => {
  it('names each command once: the duplicates are aliases of one entry with a layout', () => {
    expect(findCommand('regs')).toBe(findCommand('info-registers'));
    expect(findCommand('threads')).toBe(findCommand('info-threads'));
    expect(findCommand('breakpoints')).toBe(findCommand('info-breakpoints'));
    expect(parseCommandLine('regs rip')!.args).toEqual({ names: ['rip'], layout: 'short' });
    expect(parseCommandLine('info registers rip')!.args).toEqual({ names: ['rip'], layout: 'gdb' });
    expect(parseCommandLine('threads')!.args).toBe('short');
    expect(parseCommandLine('info th')!.args).toBe('gdb');
    const names = COMMANDS.flatMap((c) => [c.name, ...c.aliases]);
    expect(new Set(names).size).toBe(names.length);
  });

  it('parses words into typed arguments (what the one-shot CLI passes directly)', () => {
    expect(parseCommandLine('x main 32')!.args).toEqual({ form: 'dump', expr: 'main', len: 32 });
    expect(parseCommandLine('x/4xg $sp')!.args).toEqual({ form: 'format', fmt: '/4xg', expr: '$sp' });
    expect(parseCommandLine('bt 3 -past-main')!.args).toEqual({ pastMain: true, limit: 3 });
    expect(parseCommandLine('step 4')!.args).toBe(4);
    expect(() => parseCommandLine('stepi 1 2')).toThrow(/usage: stepi \[N\]/);
    expect(() => parseCommandLine('nosuch')).toThrow(/unknown command 'nosuch'/);
  });

  it('help, quit and detach are entries a user interface implements; step says it goes by instruction for now', () => {
    for (const q of ['q', 'quit', 'exit', 'detach']) expect(findCommand(q)!.action).toBe('quit');
    for (const h of ['help', 'h', '?']) expect(findCommand(h)!.action).toBe('help');
    expect(helpLines().some((l) => /^quit +detach and leave/.test(l))).toBe(true);
    expect(findCommand('step')!.help).toMatch(/source lines.*machine instructions, as stepi/);
    expect(findCommand('next')!.help).toMatch(/source lines.*as nexti/);
    expect(findCommand('n')).toBe(findCommand('next'));
  });

  it('answers results of a union discriminated by kind (checked by tsc -p tsconfig.test.json)', () => {
    expectTypeOf<CommandResult['kind']>().not.toEqualTypeOf<string>();
    expectTypeOf<'stop' | 'registers' | 'backtrace' | 'hexdump' | 'written'>().toMatchTypeOf<CommandResult['kind']>();
    expectTypeOf<Extract<CommandResult, { kind: 'registers' }>['data']['regs']>().toEqualTypeOf<Record<string, bigint>>();
  });
});

describe.skipIf(!liveOk('client'))('clients over one session', () => {
  let fs: ProcFs;
  const open: Session[] = [];
  const pids: number[] = [];
  beforeAll(async () => {
    fs = await openProcFs();
  });
  afterEach(async () => {
    await releaseSessions(open);
    killPids(pids);
  });
  afterEach(() => killAll());
  afterAll(async () => {
    await fs?.close();
  });

  it('keep their own value history and displays; the selection is the session\'s', async () => {
    const s = await Session.launch(fs, [buildTarget('inspectee')], { stdout: 'ignore', stderr: 'ignore', stdin: 'ignore' });
    open.push(s);
    pids.push(s.pid);
    await s.loadSymbols();
    const a = new Client(s);
    const b = new Client(s);
    expect((await runCommandLine(a, 'print 7')).lines).toEqual(['$1 = 7']);
    expect((await runCommandLine(b, 'print 9')).lines).toEqual(['$1 = 9']);
    expect((await runCommandLine(a, 'print $1 + 1')).lines).toEqual(['$2 = 8']);
    expect((await runCommandLine(a, 'display/x 5')).lines).toEqual(['1: /x 5 = 0x5']);
    const stepA = await runCommandLine(a, 'stepi');
    expect(stepA.lines.slice(1)).toEqual(['1: /x 5 = 0x5']);
    expect(stepA.result?.kind).toBe('stop');
    expect((await runCommandLine(b, 'stepi')).lines).toHaveLength(1);
    expect((await runCommandLine(b, 'info display')).lines).toEqual(['There are no auto-display expressions now.']);
    expect(a.thread).toBe(b.thread);
  }, 60_000);
});
