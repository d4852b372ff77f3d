/**
 * The commands that run the target or end the session: step, next, stepi, nexti, continue,
 * until, signal, finish, kill, detach, note, and the policies that shape a run (handle,
 * follow-fork).
 *
 * `step` and `next` are gdb's words, and they will mean gdb's thing: `step`/`next` by source
 * line (entering calls or running them to their return), `stepi`/`nexti` by machine
 * instruction, and `step`/`next` falling back to one instruction in a function without line
 * information, as gdb does. pdbg does not read line tables yet, so every function is such a
 * function today: `step` is `stepi` and `next` is `nexti`. The one-shot `pdbg step PID` is
 * not this command's word but the procfs `ctl step` (one instruction) and stays so.
 */
import { ProcfsError } from '../procfs/errors.js';
import type { StopEvent } from '../engine/events.js';
import { nexti } from '../engine/nexti-x86-64.js';
import { frameData, frameLine, type StackFrame } from '../engine/stack.js';
import type { Client } from './client.js';
import { arity, command, count, type Result } from './debug-command.js';
import { formatStop, stopData, stopResult, type StopData, type StopResult } from './stop-result.js';

/** `0x… <outer+12>`, or `0x… <?? (prog+0x1189)>` in a stripped caller, as backtraces name it. */
async function returnedTo(c: Client, pc: bigint): Promise<string> {
  const where = (await c.session.symbolTable())?.describeLong(pc);
  return where ? `0x${pc.toString(16)} <${where}>` : `0x${pc.toString(16)}`;
}

const countArg = (a: readonly string[], usage: string): number => {
  arity(usage, a, 0, 1);
  return count(a[0]);
};

const noArgs = (a: readonly string[], usage: string): void => arity(usage, a, 0, 0);

const STEP_WORDS = 'pdbg reads no line tables yet, so it executes machine instructions';

export const stepiCommand = command({
  name: 'stepi', aliases: ['si'], usage: 'stepi [N]', help: 'execute N machine instructions (default 1) of the current thread, entering calls',
  parse: countArg, run: async (c, n: number) => stopResult(c.session, await c.session.stepN(n)), format: formatStop,
});

export const nextiCommand = command({
  name: 'nexti', aliases: ['ni'], usage: 'nexti [N]', help: 'execute N machine instructions, running each call to its return',
  parse: countArg, run: async (c, n: number) => stopResult(c.session, await nexti(c.session, n)), format: formatStop, resumes: true,
});

export const continueCommand = command({
  name: 'continue', aliases: ['c', 'cont', 'run'], usage: 'continue', help: 'resume every thread until a breakpoint, a signal or the exit',
  parse: noArgs, run: async (c) => stopResult(c.session, await c.session.cont()), format: formatStop, resumes: true,
});

export const untilCommand = command({
  name: 'until', aliases: ['advance', 'u'], usage: 'until SYM|ADDR', help: 'run to an address with a temporary breakpoint',
  parse: (a, usage) => {
    arity(usage, a, 1, 1);
    return a[0]!;
  },
  run: async (c, where: string) => stopResult(c.session, await c.session.runUntil(where)), format: formatStop, resumes: true,
});

export type FinishResult = StopResult | (Result<'finished', StopData & { from: Record<string, unknown>; returned: { rax: bigint; signed: bigint } }> & {
  readonly stop: StopEvent;
  readonly from: StackFrame;
  readonly returnedTo: string;
  readonly tid: number;
});

export const RUN_COMMANDS = [
  command({
    name: 'step', aliases: ['s'], usage: 'step [N]', help: `step N source lines (default 1), entering calls; ${STEP_WORDS}, as stepi`,
    parse: countArg, run: stepiCommand.run, format: formatStop,
  }),
  stepiCommand,
  command({
    name: 'next', aliases: ['n'], usage: 'next [N]', help: `step N source lines (default 1), running calls to their return; ${STEP_WORDS}, as nexti`,
    parse: countArg, run: nextiCommand.run, format: formatStop, resumes: true,
  }),
  nextiCommand,
  continueCommand,
  untilCommand,
  command({
    name: 'signal', aliases: ['sig'], usage: 'signal NAME|0', help: 'resume every thread delivering NAME (0: none)',
    parse: (a, usage) => {
      arity(usage, a, 1, 1);
      return a[0]!;
    },
    run: async (c, sig: string) => stopResult(c.session, await c.session.signal(sig)), format: formatStop, resumes: true,
  }),
];

export const finishCommand = command({
  name: 'finish', aliases: ['fin'], usage: 'finish', help: 'run until the selected frame returns; show the value returned (rax)', resumes: true,
  parse: noArgs,
  run: async (c): Promise<FinishResult> => {
    const s = c.session;
    const { stop, from, returned } = await s.finish();
    if (!returned) return stopResult(s, stop);
    const rax = await s.reg('rax');
    return {
      kind: 'finished',
      stop,
      from,
      tid: 'tid' in stop ? stop.tid : s.current,
      returnedTo: await returnedTo(c, 'pc' in stop ? stop.pc : 0n),
      data: { ...stopData(s, stop), from: frameData(from), returned: { rax, signed: BigInt.asIntN(64, rax) } },
    };
  },
  format: (r) => r.kind === 'stop' ? formatStop(r) : [
    `run till exit from ${frameLine(r.from)}`,
    `returned to ${r.returnedTo} (thread ${r.tid})`,
    `value returned: rax = 0x${r.data.returned.rax.toString(16)} (${r.data.returned.signed})`,
  ],
});

export const followForkCommand = command({
  name: 'follow-fork', aliases: ['follow-fork-mode'], usage: 'follow-fork [parent|child]', help: 'after a fork, go on with the parent (default) or the child; the other runs on without breakpoints',
  parse: (a, usage) => {
    arity(usage, a, 0, 1);
    return a[0];
  },
  run: async (c, mode: string | undefined) => followFork(c, mode),
  format: (r) => [`follow-fork ${r.data.followFork}`],
});

/** Signals: what one does (handle, info signals), and sending one (note). */
export const SIGNAL_COMMANDS = [
  command({
    name: 'handle', usage: 'handle SIG… stop|nostop|print|noprint|pass|nopass', help: 'what a signal does: stop and report it, print it, pass it to the program (gdb\'s table; SIG all too)',
    run: async (c, a: readonly string[]) => {
      const rows = c.session.signals.handle(a);
      return { kind: 'signal-table' as const, table: c.session.signals.lines(rows.map((r) => r.name)), data: rows.map((r) => ({ signal: `SIG${r.name.toUpperCase()}`, ...r.disposition })) };
    },
    format: (r) => r.table,
  }),
  command({
    name: 'info-signals', aliases: ['info-handle'], usage: 'info signals [SIG]', help: 'the signal table: Stop, Print, Pass to program',
    run: async (c, a: readonly string[]) => {
      const { lines, data } = c.session.signals.info(a);
      return { kind: 'signal-table' as const, table: lines, data };
    },
    format: (r) => r.table,
  }),
  command({
    name: 'note', aliases: ['kill-signal'], usage: 'note NAME', help: 'send a signal without resuming (the note node)',
    parse: (a, usage) => {
      arity(usage, a, 1, 1);
      return a[0]!;
    },
    run: async (c, sig: string) => {
      await c.session.note(sig);
      return { kind: 'signal-sent' as const, data: { pid: c.session.pid, signal: sig } };
    },
    format: (r) => [`sent ${r.data.signal} to ${r.data.pid}`],
  }),
];

export type FollowForkResult = Result<'follow-fork', { followFork: 'parent' | 'child' }>;

/** `follow-fork [MODE]` and gdb's `set follow-fork-mode MODE`. */
export function followFork(c: Client, mode: string | undefined): FollowForkResult {
  const s = c.session;
  if (mode !== undefined) {
    if (mode !== 'parent' && mode !== 'child') throw new ProcfsError('EINVAL', `follow-fork: 'parent' or 'child', not '${mode}'`);
    s.followFork = mode;
  }
  return { kind: 'follow-fork', data: { followFork: s.followFork } };
}

/** The last entries of the table: leaving. `detach` and `quit` are the TUI's own leaving there. */
export const END_COMMANDS = [
  command({
    name: 'kill', aliases: ['k'], usage: 'kill', help: 'kill the program being debugged (SIGKILL); the TUI asks first, a script does not (as gdb -batch)',
    parse: noArgs,
    run: async (c) => {
      const s = c.session;
      const pid = s.pid;
      const ev = await s.kill();
      return { kind: 'killed' as const, data: stopData(s, ev), stop: ev, pid };
    },
    format: (r) => [`[process ${r.pid} killed]`],
  }),
  command({
    name: 'detach', usage: 'detach', help: 'lift every breakpoint and let the target run on', action: 'quit',
    parse: noArgs,
    run: async (c) => {
      await c.session.detach({ leave: 'running' });
      return { kind: 'detached' as const, data: { detached: c.session.pid } };
    },
    format: () => ['detached'],
  }),
];
