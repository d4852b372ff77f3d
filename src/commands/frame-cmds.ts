/**
 * The commands over the selected thread's stack and registers: backtrace, frame, up, down,
 * the registers (gdb's `info registers` and pdbg's short `regs`), and `set`.
 */
import { ProcfsError } from '../procfs/errors.js';
import { hex } from '../engine/events.js';
import { frameData, frameLine, frameNumber, type StackFrame } from '../engine/stack.js';
import { parsePendingMode, type PendingMode } from './break-settings.js';
import type { Client } from './client.js';
import { arity, command, count, type Result } from './debug-command.js';
import { formatRegisters, infoRegisters, type RegistersArgs } from './info-cmds.js';
import { finishCommand, followFork, followForkCommand, type FollowForkResult } from './run-cmds.js';
import { parseAssignment, parseLength } from './values.js';

export interface BacktraceArgs {
  /** At most so many frames (all when undefined). */
  readonly limit?: number;
  /** Go on past main into libc's start-up. */
  readonly pastMain: boolean;
}

export type BacktraceResult = Result<'backtrace', { tid: number; selected: number; frames: Record<string, unknown>[] }> & {
  readonly frames: readonly StackFrame[];
  /** Frames the whole stack has (more than shown when a limit cut it). */
  readonly total: number;
};

export const backtraceCommand = command({
  name: 'backtrace', aliases: ['bt', 'where'], usage: 'backtrace [N] [-past-main]', help: 'the current thread\'s call stack by CFI unwinding (N frames; past main with -past-main)',
  parse: (a, usage): BacktraceArgs => {
    const pastMain = a.includes('-past-main');
    const rest = a.filter((x) => x !== '-past-main');
    arity(usage, rest, 0, 1);
    return { pastMain, ...(rest[0] === undefined ? {} : { limit: parseLength(rest[0], 100_000) }) };
  },
  run: async (c, a: BacktraceArgs): Promise<BacktraceResult> => {
    const s = c.session;
    const all = await s.frames({ pastMain: a.pastMain });
    const frames = a.limit === undefined ? all : all.slice(0, a.limit);
    return { kind: 'backtrace', frames, total: all.length, data: { tid: s.current, selected: s.selectedFrame, frames: frames.map(frameData) } };
  },
  format: (r) => {
    const sel = r.data.selected;
    const lines = r.frames.map((f) => (f.index === sel && sel > 0 ? '* ' : '') + frameLine(f));
    if (r.total > r.frames.length) lines.push(`(more stack frames follow: ${r.total - r.frames.length} of ${r.total})`);
    return lines;
  },
});

export type FrameResult = Result<'frame', Record<string, unknown>> & { readonly frame: StackFrame };

const frameResult = (f: StackFrame): FrameResult => ({ kind: 'frame', data: frameData(f), frame: f });
const formatFrame = (r: FrameResult): string[] => [frameLine(r.frame)];
const optionalCount = (a: readonly string[], usage: string): number => {
  arity(usage, a, 0, 1);
  return count(a[0]);
};

export const registersCommand = command({
  name: 'info-registers', aliases: ['info-reg', 'info-r', 'ir', 'regs', 'registers'], usage: 'info registers [REG…]',
  help: 'registers of the selected frame in gdb\'s three columns: name, hex, natural; `regs [REG…]`: pdbg\'s layout, hex with the pc\'s symbol (the current thread\'s own at frame 0)',
  parse: (a, _usage, as): RegistersArgs => ({ names: a, layout: as === 'regs' || as === 'registers' ? 'short' : 'gdb' }),
  run: infoRegisters,
  format: formatRegisters,
});

export type SetResult = FollowForkResult | Result<'pending-mode', { pending: PendingMode }> | Result<'register-set', { tid: number; reg: string; value: bigint }>;

type SetArgs = { what: 'follow-fork'; mode: string | undefined } | { what: 'pending'; mode: PendingMode } | { what: 'register'; name: string; value: bigint };

export const FRAME_COMMANDS = [
  registersCommand,
  followForkCommand,
  command({
    name: 'set', usage: 'set REG=VALUE | set breakpoint pending auto|on|off', help: 'set a register of the current thread (decimal or 0x-hex); whether break on an unknown name waits for a library (scripts: off)',
    parse: (a): SetArgs => {
      if (a.length === 0) throw new ProcfsError('EINVAL', 'usage: set REG=VALUE');
      // gdb's spelling of the fork policy.
      if (a[0] === 'follow-fork-mode' && a.length <= 2) return { what: 'follow-fork', mode: a[1] };
      if (a[0] === 'breakpoint' && a[1] === 'pending') return { what: 'pending', mode: parsePendingMode(a[2]) };
      return { what: 'register', ...parseAssignment(a.join('')) };
    },
    run: async (c, a: SetArgs): Promise<SetResult> => {
      if (a.what === 'follow-fork') return followFork(c, a.mode);
      if (a.what === 'pending') {
        c.pendingMode = a.mode;
        return { kind: 'pending-mode', data: { pending: a.mode } };
      }
      await c.session.setReg(a.name, a.value);
      const now = await c.session.reg(a.name);
      return { kind: 'register-set', data: { tid: c.session.current, reg: a.name, value: now } };
    },
    format: (r) => r.kind === 'follow-fork' ? [`follow-fork ${r.data.followFork}`] : r.kind === 'pending-mode' ? [`breakpoint pending ${r.data.pending}`] : [`${r.data.reg} = ${hex(r.data.value)}`],
  }),
];

export const STACK_COMMANDS = [
  backtraceCommand,
  command({
    name: 'frame', aliases: ['f'], usage: 'frame [N]', help: 'select frame N (default: show the selected one); regs, x and print then use its registers',
    parse: (a, usage) => {
      arity(usage, a, 0, 1);
      return a[0];
    },
    run: async (c, n: string | undefined) => {
      const s = c.session;
      return frameResult(n === undefined ? (await s.frames())[s.selectedFrame]! : await c.selectFrame(frameNumber(n, await s.frames())));
    },
    format: formatFrame,
  }),
  command({
    name: 'up', usage: 'up [N]', help: 'select the frame N (default 1) levels out (the caller)',
    parse: optionalCount,
    run: async (c, n: number) => {
      const s = c.session;
      const frames = await s.frames();
      const to = s.selectedFrame + n;
      if (s.selectedFrame === frames.length - 1) throw new ProcfsError('EINVAL', `initial frame selected; you cannot go up (frame #${s.selectedFrame} is the outermost)`);
      return frameResult(await c.selectFrame(Math.min(to, frames.length - 1)));
    },
    format: formatFrame,
  }),
  command({
    name: 'down', usage: 'down [N]', help: 'select the frame N (default 1) levels in (the callee)',
    parse: optionalCount,
    run: async (c, n: number) => {
      if (c.session.selectedFrame === 0) throw new ProcfsError('EINVAL', 'bottom (innermost) frame selected; you cannot go down');
      return frameResult(await c.selectFrame(Math.max(0, c.session.selectedFrame - n)));
    },
    format: formatFrame,
  }),
  finishCommand,
];
