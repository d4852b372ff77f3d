import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * gdb as the oracle: attach to a process nobody traces, print what it sees, detach. Frames are
 * gdb's real stack frames only: with libc6-dbg gdb also shows inlined calls (the same pc again)
 * and tail calls it infers from DWARF call sites, which no stack walk can see.
 */
const script = join(mkdtempSync(join(tmpdir(), 'pdbg-gdb-')), 'frames.py');
writeFileSync(
  script,
  [
    'import gdb',
    'kinds = {gdb.NORMAL_FRAME: "normal", gdb.INLINE_FRAME: "inline", gdb.TAILCALL_FRAME: "tailcall", gdb.SIGTRAMP_FRAME: "sigtramp"}',
    'for t in sorted(gdb.selected_inferior().threads(), key=lambda t: t.ptid[1]):',
    '    t.switch()',
    '    f = gdb.newest_frame()',
    '    while f is not None:',
    '        print("PDBG-FRAME %d 0x%x %s %s" % (t.ptid[1], f.pc(), kinds.get(f.type(), "other"), f.name()))',
    '        f = f.older()',
    '',
  ].join('\n'),
);

export interface GdbFrame {
  readonly pc: bigint;
  readonly name: string;
}

function gdb(pid: number, args: string[]): string {
  return execFileSync('gdb', ['-nx', '-batch', '-p', String(pid), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
}

/** Every thread's stack frames by tid, as gdb's `bt` (past-main off unless asked). */
export function gdbFrames(pid: number, pastMain = false): Map<number, GdbFrame[]> {
  const out = gdb(pid, ['-ex', `set backtrace past-main ${pastMain ? 'on' : 'off'}`, '-x', script]);
  const byTid = new Map<number, GdbFrame[]>();
  for (const m of out.matchAll(/^PDBG-FRAME (\d+) (0x[0-9a-f]+) (\S+) (\S+)/gm)) {
    if (m[3] !== 'normal' && m[3] !== 'sigtramp') continue;
    const list = byTid.get(Number(m[1])) ?? [];
    list.push({ pc: BigInt(m[2]!), name: m[4]! });
    byTid.set(Number(m[1]), list);
  }
  return byTid;
}

/** gdb's `info symbol` for each address: the start of the symbol covering it, or null. */
export function gdbSymbolStarts(pid: number, addrs: readonly bigint[]): (bigint | null)[] {
  const out = gdb(pid, addrs.flatMap((a) => ['-ex', `echo PDBG-SYM 0x${a.toString(16)}\\n`, '-ex', `info symbol 0x${a.toString(16)}`]));
  const parts = out.split(/^PDBG-SYM /m).slice(1);
  return parts.map((p) => {
    const addr = BigInt(p.split('\n')[0]!.trim());
    const m = /^(\S+)(?: \+ (\d+))? in section/m.exec(p);
    return m ? addr - BigInt(m[2] ?? 0) : null;
  });
}

/** gdb's registers by name (`p/x $NAME`), for the given names. */
export function gdbRegs(pid: number, names: readonly string[]): Record<string, bigint> {
  const out = gdb(pid, names.map((n) => ['-ex', `p/x $${n}`]).flat());
  const vals = [...out.matchAll(/^\$\d+ = (0x[0-9a-f]+)/gm)].map((m) => BigInt(m[1]!));
  return Object.fromEntries(names.map((n, i) => [n, vals[i]!]));
}

/** gdb's output of each command on a process nobody traces (left stopped is fine), split at markers. */
export function gdbEach(pid: number, cmds: readonly string[]): string[] {
  const args: string[] = [];
  for (const c of cmds) args.push('-ex', 'echo @@@\\n', '-ex', c);
  args.push('-ex', 'echo @@@\\n');
  return gdb(pid, args).split('@@@\n').slice(1, 1 + cmds.length).map((p) => p.replace(/\n$/, ''));
}
