/**
 * The debugger's command table: names, aliases, usage, help and a handler over a Session. One
 * table serves `pdbg script` (gdb-batch-like files) and the TUI's command line, so help, dispatch
 * and completion come from one place (Delve's `terminal/command.go` precedent).
 *
 * A handler returns lines for a person and the same result as data (for `--json`); it throws
 * ProcfsError for bad input (unknown register, unmapped address, bad hex…) and never prints.
 */
import { basename } from 'node:path';
import { ProcfsError } from '../procfs/errors.js';
import { parseBreakArgs, parseBreakNumbers } from './break-args.js';
import { disassembleCommand } from './disassemble-cmd.js';
import type { CommandOutput } from './command-output.js';
import { describeStop, hex, isGone, type StopEvent } from '../engine/events.js';
import { examine } from './examine.js';
import { evalAddress } from '../engine/expr.js';
import { infoBreakpoints, infoProcMappings, infoRegisters, infoSharedLibrary, infoSymbol } from './info-cmds.js';
import { infoThreads, threadApply, threadCmd } from './thread-cmds.js';
import { callCmd } from './call-cmd.js';
import { displayCmd, displayLines, echoCmd, infoDisplay, outputCmd, printfCmd, undisplayCmd } from './output-cmds.js';
import { notDefined, parsePendingMode, pendingMode, setPendingMode } from './break-settings.js';
import { sessionContext } from './inspect-state.js';
import { nexti } from '../engine/nexti-x86-64.js';
import { printCommand } from './print-cmd.js';
import { DISPLAY_ORDER, regName } from '../engine/regfile.js';
import { frameData, frameLine, frameNumber } from '../engine/stack.js';
import { traceCommand, untraceCommand } from './trace-cmd.js';
import type { Session } from '../engine/session.js';
import { hexdump, parseAssignment, parseHexBytes, parseLength, parseValue } from './values.js';

export type { CommandOutput } from './command-output.js';

export interface DebugCommand {
  readonly name: string;
  readonly aliases: readonly string[];
  /** `break SYM|ADDR`. */
  readonly usage: string;
  readonly help: string;
  /** It resumes the target (a client shows "running" meanwhile and may offer interrupt). */
  readonly resumes: boolean;
  /** Takes the rest of its line as it was typed, one argument (echo and printf keep their spaces). */
  readonly raw?: boolean;
  run(s: Session, args: readonly string[]): Promise<CommandOutput>;
}

/** A stop event as data: kind, thread, pc with its symbol, and the kind's own fields. */
export function stopData(s: Session, ev: StopEvent): Record<string, unknown> {
  const out: Record<string, unknown> = { ...ev };
  if ('pc' in ev) {
    const w = s.describe(ev.pc);
    out.where = w;
  }
  out.text = describeStop(ev, (pc) => s.describe(pc));
  return out;
}

/** `0x… <outer+12>`, or `0x… <?? (prog+0x1189)>` in a stripped caller, as backtraces name it. */
async function returnedTo(s: Session, pc: bigint): Promise<string> {
  const where = (await s.symbolTable())?.describeLong(pc);
  return where ? `0x${pc.toString(16)} <${where}>` : `0x${pc.toString(16)}`;
}

function stopOutput(s: Session, ev: StopEvent): CommandOutput {
  return { lines: [describeStop(ev, (pc) => s.describe(pc))], data: stopData(s, ev), stop: ev };
}

function arity(c: { name: string; usage: string }, args: readonly string[], min: number, max: number): void {
  if (args.length < min || args.length > max) throw new ProcfsError('EINVAL', `usage: ${c.usage}`);
}

function count(text: string | undefined): number {
  return text === undefined ? 1 : parseLength(text, 1_000_000_000);
}

function cmd(
  name: string,
  aliases: string[],
  usage: string,
  help: string,
  run: (s: Session, args: readonly string[], self: { name: string; usage: string }) => Promise<CommandOutput>,
  resumes = false,
): DebugCommand {
  const self = { name, usage };
  return { name, aliases, usage, help, resumes, run: (s, args) => run(s, args, self) };
}

async function breakCmd(s: Session, args: readonly string[], self: { name: string; usage: string }, temporary: boolean): Promise<CommandOutput> {
  const forced = args[0] === '-p' || args[0] === '-pending';
  const { location, condition } = parseBreakArgs(args.slice(forced ? 1 : 0).join(' '), self.usage);
  // gdb's `*EXPR`: the address an expression gives (`break *$pc+4`); else a symbol or address.
  const where = location.startsWith('*') ? await evalAddress(location.slice(1), sessionContext(s)) : location;
  // In a script (batch mode) an unknown name is an error unless pending was asked for; at the
  // exec stop nothing is loaded yet, so a library's name is pending there too (break-settings.ts).
  const pending = forced || pendingMode(s) !== 'off' || (typeof where === 'string' && (await s.inDynamicLinker()));
  let bp;
  try {
    bp = await s.break(where, { temporary, pending, ...(condition === undefined ? {} : { condition }) });
  } catch (err) {
    const name = typeof where === 'string' ? /^([A-Za-z_.$][\w.$]*)$/.exec(where.trim())?.[1] : undefined;
    if (!pending && name && err instanceof ProcfsError && err.code === 'ENOENT') throw await notDefined(s, name);
    throw err;
  }
  const kind = `${temporary ? 'temporary ' : ''}breakpoint ${bp.id}`;
  if (!('addr' in bp)) {
    // gdb's `set breakpoint pending on`, said so a typo does not pass unnoticed.
    return {
      lines: [`${kind} (${bp.spec}) pending: no loaded module defines it; planted when a library that does is loaded`],
      data: { id: bp.id, pending: true, spec: bp.spec, temporary, condition: condition ?? null },
    };
  }
  const others = typeof where === 'string' ? await otherDefinitions(s, where, bp.addr) : [];
  const note = others.length
    ? [`  (also defined in ${others.join(', ')}: calls bind to ${basename((await s.symbolTable())?.moduleAt(bp.addr)?.path ?? '?')}'s, the first in the dynamic linker's search order; NAME@LIB picks another)`]
    : [];
  return { lines: [`${kind} at ${s.describe(bp.addr)}`, ...note], data: { id: bp.id, addr: bp.addr, where: s.describe(bp.addr), temporary, condition: condition ?? null, ...(others.length ? { alsoDefinedIn: others } : {}) } };
}

/**
 * The other modules that export a function of a plain name (`malloc` in libc as well as in
 * jemalloc): gdb would plant a location in each; pdbg plants the one calls reach, and says so.
 */
async function otherDefinitions(s: Session, where: string, chosen: bigint): Promise<string[]> {
  if (!/^[A-Za-z_.$][\w.$]*$/.test(where.trim())) return [];
  const syms = await s.symbolTable();
  if (!syms) return [];
  return syms
    .definitions(where.trim())
    .filter((h) => h.address !== chosen && h.binding !== 'local' && (h.kind === 'func' || h.kind === 'ifunc'))
    .map((h) => basename(h.module));
}

/** `x/FMT ADDR`, a bare `x` going on, or the old `x ADDR [LEN]` hexdump. */
async function examineCmd(s: Session, a: readonly string[]): Promise<CommandOutput> {
  if (a.length === 0 || a[0]!.startsWith('/')) {
    const r = await examine(s, a[0], a.slice(1).join(' '));
    return { lines: r.lines.map((l) => l.text), data: r };
  }
  // pdbg's own form: one address word and a plain length (gdb spells that x/LENxb).
  if (a.length > 2 || (a.length === 2 && !/^(0x[0-9a-f]+|\d+)$/i.test(a[1]!))) {
    const r = await examine(s, undefined, a.join(' '));
    return { lines: r.lines.map((l) => l.text), data: r };
  }
  const addr = await evalAddress(a[0]!, sessionContext(s));
  const bytes = await s.readMem(addr, a[1] === undefined ? 16 : parseLength(a[1]));
  return { lines: hexdump(addr, bytes), data: { addr, where: s.describe(addr), bytes: bytes.toString('hex') } };
}

async function setEnabled(s: Session, a: readonly string[], enabled: boolean): Promise<CommandOutput> {
  const ids = a.length ? parseBreakNumbers(a) : s.breakpoints().map((b) => b.id);
  for (const id of ids) await s.setEnabled(id, enabled);
  return { lines: [], data: { [enabled ? 'enabled' : 'disabled']: ids } };
}

function followFork(s: Session, mode: string | undefined): CommandOutput {
  if (mode !== undefined) {
    if (mode !== 'parent' && mode !== 'child') throw new ProcfsError('EINVAL', `follow-fork: 'parent' or 'child', not '${mode}'`);
    s.followFork = mode;
  }
  return { lines: [`follow-fork ${s.followFork}`], data: { followFork: s.followFork } };
}

export const COMMANDS: readonly DebugCommand[] = [
  cmd('break', ['b', 'br'], 'break [-p] SYM|SYM+OFF|ADDR|*EXPR [if COND]', 'plant a breakpoint (int3); COND is an expression tested at each hit', (s, a, c) => breakCmd(s, a, c, false)),
  cmd('tbreak', ['tb'], 'tbreak [-p] SYM|ADDR|*EXPR [if COND]', 'plant a breakpoint deleted by its first hit', (s, a, c) => breakCmd(s, a, c, true)),
  cmd('condition', ['cond'], 'condition N [COND]', 'stop at breakpoint N only when COND is non-zero (no COND: always)', async (s, a, c) => {
    if (a.length < 1) throw new ProcfsError('EINVAL', `usage: ${c.usage}`);
    const [id] = parseBreakNumbers(a.slice(0, 1));
    const cond = a.slice(1).join(' ').trim();
    const bp = s.setCondition(id!, cond === '' ? undefined : cond);
    return { lines: [cond === '' ? `Breakpoint ${bp.id} now unconditional.` : ''].filter(Boolean), data: { id: bp.id, condition: bp.condition ?? null } };
  }),
  cmd('ignore', [], 'ignore N COUNT', 'let the next COUNT hits of breakpoint N pass', async (s, a, c) => {
    arity(c, a, 2, 2);
    const [id] = parseBreakNumbers(a.slice(0, 1));
    if (!/^\d+$/.test(a[1]!)) throw new ProcfsError('EINVAL', `not a count: '${a[1]}'`);
    const n = Number(a[1]);
    const bp = s.setIgnore(id!, n);
    const line = n === 0 ? `Will stop next time breakpoint ${bp.id} is reached.` : n === 1 ? `Will ignore next crossing of breakpoint ${bp.id}.` : `Will ignore next ${n} crossings of breakpoint ${bp.id}.`;
    return { lines: [line], data: { id: bp.id, ignoreCount: n } };
  }),
  cmd('enable', [], 'enable [N…]', 'plant breakpoints N… again (all without N)', (s, a) => setEnabled(s, a, true)),
  cmd('disable', ['disa'], 'disable [N…]', 'keep breakpoints N… but take their bytes out (all without N)', (s, a) => setEnabled(s, a, false)),
  cmd('delete', ['d'], 'delete N…', 'remove breakpoints (their original bytes go back)', async (s, a, c) => {
    if (a.length < 1) throw new ProcfsError('EINVAL', `usage: ${c.usage}`);
    const ids = parseBreakNumbers(a);
    for (const id of ids) await s.delete(id);
    return { lines: ids.map((id) => `deleted breakpoint ${id}`), data: ids.length === 1 ? { deleted: ids[0] } : { deleted: ids } };
  }),
  cmd('info-breakpoints', ['info-b', 'info-break', 'ib'], 'info breakpoints', 'gdb\'s breakpoint table: conditions, hit counts, ignore counts', async (s, a, c) => {
    arity(c, a, 0, 0);
    return infoBreakpoints(s);
  }),
  cmd('breakpoints', [], 'breakpoints', 'list breakpoints', async (s, a, c) => {
    arity(c, a, 0, 0);
    const list = s.breakpoints();
    const waiting = s.pendingBreakpoints();
    const rows = [
      ...list.map((b) => ({ id: b.id, line: `${String(b.id).padStart(3)} ${b.temporary ? 'temp' : 'keep'} ${s.describe(b.addr)} hits ${b.hits}` })),
      ...waiting.map((p) => ({ id: p.id, line: `${String(p.id).padStart(3)} ${p.temporary ? 'temp' : 'keep'} <PENDING> ${p.spec}` })),
    ].sort((a, b) => a.id - b.id);
    const lines = rows.length === 0 ? ['no breakpoints'] : rows.map((r) => r.line);
    return { lines, data: [...list.map((b) => ({ ...b, where: s.describe(b.addr) })), ...waiting.map((p) => ({ ...p, pending: true }))] };
  }),
  cmd('step', ['s'], 'step [N]', 'execute N instructions (default 1) of the current thread', async (s, a, c) => {
    arity(c, a, 0, 1);
    return stopOutput(s, await s.stepN(count(a[0])));
  }),
  cmd('stepi', ['si'], 'stepi [N]', 'same as step: pdbg steps machine instructions', async (s, a, c) => {
    arity(c, a, 0, 1);
    return stopOutput(s, await s.stepN(count(a[0])));
  }),
  cmd('nexti', ['ni'], 'nexti [N]', 'step N instructions, running each call to its return', async (s, a, c) => {
    arity(c, a, 0, 1);
    return stopOutput(s, await nexti(s, count(a[0])));
  }, true),
  cmd('continue', ['c', 'cont', 'run'], 'continue', 'resume every thread until a breakpoint, a signal or the exit', async (s, a, c) => {
    arity(c, a, 0, 0);
    return stopOutput(s, await s.cont());
  }, true),
  cmd('until', ['advance', 'u'], 'until SYM|ADDR', 'run to an address with a temporary breakpoint', async (s, a, c) => {
    arity(c, a, 1, 1);
    return stopOutput(s, await s.runUntil(a[0]!));
  }, true),
  cmd('signal', ['sig'], 'signal NAME|0', 'resume every thread delivering NAME (0: none)', async (s, a, c) => {
    arity(c, a, 1, 1);
    return stopOutput(s, await s.signal(a[0]!));
  }, true),
  cmd('info-registers', ['info-reg', 'info-r', 'ir'], 'info registers [REG…]', 'registers in gdb\'s three columns: name, hex, natural', (s, a) => infoRegisters(s, a)),
  cmd('regs', ['registers'], 'regs [REG…]', 'show registers of the selected frame (the current thread\'s own at frame 0)', async (s, a) => {
    // The selected frame's registers (`up` then `regs`: the caller's rip, rsp and saved ones).
    const r = await s.frameRegs();
    const names = a.length ? a.map(regName) : DISPLAY_ORDER.filter((n) => n in r);
    const lines = names.map((n) => {
      const v = r[n]!;
      const sym = n === 'rip' ? s.describe(v).split(' ').slice(1).join(' ') : '';
      return `${n.padEnd(8)} 0x${v.toString(16).padStart(16, '0')}${sym ? ' ' + sym : ''}`;
    });
    const data: Record<string, bigint> = {};
    for (const n of names) data[n] = r[n]!;
    return { lines, data: { tid: s.current, regs: data } };
  }),
  cmd('follow-fork', ['follow-fork-mode'], 'follow-fork [parent|child]', 'after a fork, go on with the parent (default) or the child; the other runs on without breakpoints', async (s, a, c) => {
    arity(c, a, 0, 1);
    return followFork(s, a[0]);
  }),
  cmd('set', [], 'set REG=VALUE | set breakpoint pending auto|on|off', 'set a register of the current thread (decimal or 0x-hex); whether break on an unknown name waits for a library (scripts: off)', async (s, a) => {
    if (a.length === 0) throw new ProcfsError('EINVAL', 'usage: set REG=VALUE');
    // gdb's spelling of the fork policy.
    if (a[0] === 'follow-fork-mode' && a.length <= 2) return followFork(s, a[1]);
    if (a[0] === 'breakpoint' && a[1] === 'pending') {
      const mode = parsePendingMode(a[2]);
      setPendingMode(s, mode);
      return { lines: [`breakpoint pending ${mode}`], data: { pending: mode } };
    }
    const { name, value } = parseAssignment(a.join(''));
    await s.setReg(name, value);
    const now = await s.reg(name);
    return { lines: [`${name} = ${hex(now)}`], data: { tid: s.current, reg: name, value: now } };
  }),
  cmd('x', ['mem', 'examine'], 'x/NFU EXPR | x EXPR [LEN]', 'examine memory: N units of size U (b h w g) in format F (x d u o t c a z s i); or a hexdump of LEN bytes (default 16)', (s, a) => examineCmd(s, a)),
  cmd('print', ['p', 'inspect'], 'print[/F] EXPR', 'evaluate an expression: $N = value (F: x d u o t c a z s; $, $$, $N recall values)', async (s, a) => {
    const fmt = a[0]?.startsWith('/') ? a[0] : undefined;
    return printCommand(s, fmt, a.slice(fmt ? 1 : 0).join(' '));
  }),
  cmd('disassemble', ['disas'], 'disassemble [SYM|ADDR|START,END|START,+LEN]', 'disassemble a function (the pc\'s by default) or a range, => at the pc', (s, a) => disassembleCommand(s, a.join(' '))),
  cmd('info-symbol', ['info-sym'], 'info symbol EXPR', 'the symbol an address is in: NAME + OFF in section SEC of FILE', (s, a) => infoSymbol(s, a.join(' '))),
  cmd('info-sharedlibrary', ['info-shared', 'info-dll'], 'info sharedlibrary', 'loaded libraries with their .text ranges', async (s, a, c) => {
    arity(c, a, 0, 0);
    return infoSharedLibrary(s);
  }),
  cmd('info-proc', [], 'info proc mappings', 'the address space, from the map node', async (s, a, c) => {
    if (a.length !== 1 || !'mappings'.startsWith(a[0]!)) throw new ProcfsError('EINVAL', `usage: ${c.usage}`);
    return infoProcMappings(s);
  }),
  cmd('write', ['w'], 'write SYM|ADDR HEX', 'write bytes to memory (text too)', async (s, a) => {
    if (a.length < 2) throw new ProcfsError('EINVAL', 'usage: write SYM|ADDR HEX');
    const addr = await s.resolve(a[0]!);
    // Words stay groups (`write ADDR 0 0` is refused, not read as one byte 00).
    const bytes = parseHexBytes(a.slice(1).join(' '));
    await s.writeMem(addr, bytes);
    // The bytes as written, so a typo shows: at most 16 of them, then how many more.
    const shown = [...bytes.subarray(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join(' ') + (bytes.length > 16 ? ` … (+${bytes.length - 16})` : '');
    return { lines: [`wrote ${bytes.length} byte${bytes.length === 1 ? '' : 's'} at ${s.describe(addr)}: ${shown}`], data: { addr, bytes: bytes.toString('hex') } };
  }),
  cmd('info-threads', ['info-th', 'it'], 'info threads', 'threads in gdb\'s Id / Target Id / Frame table', async (s, a, c) => {
    arity(c, a, 0, 0);
    return infoThreads(s);
  }),
  cmd('threads', [], 'threads', 'list threads (* = current) with their state', async (s, a, c) => {
    arity(c, a, 0, 0);
    const list = await s.threads();
    const lines = list.map((t) => `${t.current ? '*' : ' '} ${String(t.tid).padEnd(7)} ${t.state}${t.where ? ' ' + t.where : ''}`);
    return { lines, data: list };
  }),
  cmd('thread', ['t'], 'thread N | thread lwp TID | thread apply all|N… CMD', 'select thread N (gdb\'s number, as info threads shows it; a TID too); apply CMD in each thread', async (s, a) => {
    if (a[0] === 'apply') return threadApply(s, a.slice(1), (line) => runCommandLine(s, line));
    return threadCmd(s, a);
  }),
  { ...cmd('echo', [], 'echo TEXT', 'print TEXT (C escapes: \\n ends the line)', async (_s, a) => echoCmd(a[0] ?? '')), raw: true },
  { ...cmd('printf', [], 'printf "FMT", ARG…', 'C\'s printf over expressions (%d %i %u %x %X %o %c %s %p, l/ll, flags, width, precision)', async (s, a) => printfCmd(s, a[0] ?? '')), raw: true },
  cmd('output', [], 'output[/F] EXPR', 'a value as print shows it, without $N = and without history', async (s, a) => {
    const fmt = a[0]?.startsWith('/') ? a[0] : undefined;
    return outputCmd(s, fmt, a.slice(fmt ? 1 : 0).join(' '));
  }),
  cmd('display', ['disp'], 'display[/FMT] EXPR', 'show EXPR after every stop (FMT: print\'s, or x\'s for /i /s /Nx…); display alone shows them', async (s, a) => {
    const fmt = a[0]?.startsWith('/') ? a[0] : undefined;
    return displayCmd(s, fmt, a.slice(fmt ? 1 : 0).join(' '));
  }),
  cmd('undisplay', [], 'undisplay [N…]', 'stop showing displays N… (all without N)', async (s, a) => undisplayCmd(s, a)),
  cmd('info-display', [], 'info display', 'the auto-display expressions', async (s) => infoDisplay(s)),
  { ...cmd('call', [], 'call FUNC(ARG, …)', 'run a function of the target in the current thread (System V ABI, integer and pointer arguments); every register is put back after', async (s, a) => callCmd(s, a[0] ?? '')), raw: true },
  cmd('handle', [], 'handle SIG… stop|nostop|print|noprint|pass|nopass', 'what a signal does: stop and report it, print it, pass it to the program (gdb\'s table; SIG all too)', async (s, a) => {
    const rows = s.signals.handle(a);
    return { lines: s.signals.lines(rows.map((r) => r.name)), data: rows.map((r) => ({ signal: `SIG${r.name.toUpperCase()}`, ...r.disposition })) };
  }),
  cmd('info-signals', ['info-handle'], 'info signals [SIG]', 'the signal table: Stop, Print, Pass to program', async (s, a) => s.signals.info(a)),
  cmd('note', ['kill-signal'], 'note NAME', 'send a signal without resuming (the note node)', async (s, a, c) => {
    arity(c, a, 1, 1);
    await s.note(a[0]!);
    return { lines: [`sent ${a[0]} to ${s.pid}`], data: { pid: s.pid, signal: a[0] } };
  }),
  cmd('backtrace', ['bt', 'where'], 'backtrace [N] [-past-main]', 'the current thread\'s call stack by CFI unwinding (N frames; past main with -past-main)', async (s, a, c) => {
    const pastMain = a.includes('-past-main');
    const rest = a.filter((x) => x !== '-past-main');
    arity(c, rest, 0, 1);
    const n = rest[0] === undefined ? undefined : parseLength(rest[0], 100_000);
    const all = await s.frames({ pastMain });
    const frames = n === undefined ? all : all.slice(0, n);
    const lines = frames.map((f) => (f.index === s.selectedFrame && s.selectedFrame > 0 ? '* ' : '') + frameLine(f));
    if (n !== undefined && all.length > n) lines.push(`(more stack frames follow: ${all.length - n} of ${all.length})`);
    return { lines, data: { tid: s.current, selected: s.selectedFrame, frames: frames.map(frameData) } };
  }),
  cmd('frame', ['f'], 'frame [N]', 'select frame N (default: show the selected one); regs, x and print then use its registers', async (s, a, c) => {
    arity(c, a, 0, 1);
    const f = a[0] === undefined ? (await s.frames())[s.selectedFrame]! : await s.selectFrame(frameNumber(a[0], await s.frames()));
    return { lines: [frameLine(f)], data: frameData(f) };
  }),
  cmd('up', [], 'up [N]', 'select the frame N (default 1) levels out (the caller)', async (s, a, c) => {
    arity(c, a, 0, 1);
    const frames = await s.frames();
    const to = s.selectedFrame + count(a[0]);
    if (s.selectedFrame === frames.length - 1) throw new ProcfsError('EINVAL', `initial frame selected; you cannot go up (frame #${s.selectedFrame} is the outermost)`);
    const f = await s.selectFrame(Math.min(to, frames.length - 1));
    return { lines: [frameLine(f)], data: frameData(f) };
  }),
  cmd('down', [], 'down [N]', 'select the frame N (default 1) levels in (the callee)', async (s, a, c) => {
    arity(c, a, 0, 1);
    if (s.selectedFrame === 0) throw new ProcfsError('EINVAL', 'bottom (innermost) frame selected; you cannot go down');
    const f = await s.selectFrame(Math.max(0, s.selectedFrame - count(a[0])));
    return { lines: [frameLine(f)], data: frameData(f) };
  }),
  cmd('finish', ['fin'], 'finish', 'run until the selected frame returns; show the value returned (rax)', async (s, a, c) => {
    arity(c, a, 0, 0);
    const { stop, from, returned } = await s.finish();
    if (!returned) return stopOutput(s, stop);
    const rax = await s.reg('rax');
    const signed = BigInt.asIntN(64, rax);
    const lines = [
      `run till exit from ${frameLine(from)}`,
      `returned to ${await returnedTo(s, 'pc' in stop ? stop.pc : 0n)} (thread ${'tid' in stop ? stop.tid : s.current})`,
      `value returned: rax = 0x${rax.toString(16)} (${signed})`,
    ];
    return { lines, data: { ...stopData(s, stop), from: frameData(from), returned: { rax, signed } }, stop };
  }, true),
  cmd('trace', [], 'trace SYM[,SYM…] [--args N] [--ret]', 'trace calls (gdb dprintf-like action breakpoints): the next continue writes one line per call, name(0x…) or with --ret name(0x…) = rax, and never stops on them; N argument registers (default 3)', (s, a, c) => traceCommand(s, a, c.usage)),
  cmd('untrace', [], 'untrace', 'stop tracing: lift the trace points, write calls still in flight (= ?) and the calls per function', async (s, a, c) => {
    arity(c, a, 0, 0);
    return untraceCommand(s);
  }),
  cmd('kill', ['k'], 'kill', 'kill the program being debugged (SIGKILL); the TUI asks first, a script does not (as gdb -batch)', async (s, a, c) => {
    arity(c, a, 0, 0);
    const pid = s.pid;
    const ev = await s.kill();
    return { lines: [`[process ${pid} killed]`], data: stopData(s, ev), stop: ev };
  }),
  cmd('detach', [], 'detach', 'lift every breakpoint and let the target run on', async (s, a, c) => {
    arity(c, a, 0, 0);
    await s.detach({ leave: 'running' });
    return { lines: ['detached'], data: { detached: s.pid } };
  }),
];

const byName = new Map<string, DebugCommand>();
for (const c of COMMANDS) for (const n of [c.name, ...c.aliases]) byName.set(n, c);

export function findCommand(name: string): DebugCommand | undefined {
  return byName.get(name.toLowerCase());
}

/** Every name and alias, for completion. */
export function commandNames(): string[] {
  return [...byName.keys()].sort();
}

/** gdb's `info` subcommands by the shortest prefix it takes for each (`info b`, `info reg`, `info sym`). */
const INFO_PREFIXES: readonly [string, string][] = [
  ['b', 'breakpoints'], ['r', 'registers'], ['th', 'threads'], ['sy', 'symbol'], ['sh', 'sharedlibrary'], ['dll', 'dll'], ['proc', 'proc'], ['sig', 'signals'], ['handle', 'handle'], ['display', 'display'],
];

/**
 * `info registers` → `info-registers`: gdb's two-word forms map onto table names, abbreviated
 * as gdb allows; `x/8xb $sp` → `x /8xb $sp`: a format glued to the command is its first word.
 */
export function splitCommandLine(line: string): string[] {
  const words = line.trim().split(/\s+/).filter(Boolean);
  if (words[0] === 'info' && words[1]) {
    const w = words[1].toLowerCase();
    const full = INFO_PREFIXES.find(([p, name]) => w.length >= p.length && name.startsWith(w))?.[1] ?? w;
    return [`info-${full}`, ...words.slice(2)];
  }
  const glued = words[0] ? /^([A-Za-z][\w-]*)(\/\S*)$/.exec(words[0]) : null;
  if (glued) return [glued[1]!, glued[2]!, ...words.slice(1)];
  return words;
}

/** The commands after which gdb shows the displays: each ends at a new stop. */
const STOPPING = new Set(['step', 'stepi', 'nexti', 'continue', 'until', 'signal', 'finish']);

/** Runs one command line over a session; EINVAL names an unknown command. */
export async function runCommandLine(s: Session, line: string): Promise<CommandOutput> {
  const [name, ...args] = splitCommandLine(line);
  if (!name) return { lines: [], data: null };
  if (name === 'help' || name === '?') return { lines: helpLines(), data: COMMANDS.map(({ name: n, aliases, usage, help }) => ({ name: n, aliases, usage, help })) };
  const c = findCommand(name);
  if (!c) throw new ProcfsError('EINVAL', `unknown command '${name}' (help lists them)`);
  const out = await c.run(s, c.raw ? [line.replace(/^\s*\S+/, '')] : args);
  // gdb shows the displays after every stop a command brought.
  if (STOPPING.has(c.name)) {
    const shown = await displayLines(s);
    if (shown.length) return { ...out, lines: [...out.lines, ...shown] };
  }
  return out;
}

/** Help lines: usage and text of every command, aliases after. */
export function helpLines(): string[] {
  const w = Math.max(...COMMANDS.map((c) => c.usage.length));
  return COMMANDS.map((c) => `${c.usage.padEnd(w)}  ${c.help}${c.aliases.length ? ` (${c.aliases.join(', ')})` : ''}`);
}

export { isGone };
