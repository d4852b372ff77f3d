/**
 * Traced calls per second: `pdbg trace` against `ltrace -e` and gdb's `dprintf` on the same
 * target (bench/c/tracecall.c calling bt_step, in a shared library, through its PLT), entries
 * only and with returns. Every tool starts the target itself; the number is the target's own
 * loop time for its N calls (it writes it to a file), so no tool's start-up, attach or symbol
 * loading is in it and one clock times them all. Every sample's output is checked: the
 * arguments must be 0, 1, … N in order (the untimed first call included), so a tool that
 * missed or doubled a call fails the sample instead of looking fast.
 *
 * ltrace always pairs a call with its return (it has no entry-only mode), so its one side is the
 * baseline of both lines. gdb's returns are a second dprintf at the return site in main
 * (`*main+OFF`, found with objdump): the same two breakpoints per call pdbg's --ret plants,
 * without its pairing by thread and stack pointer (this target needs none).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ratioGoal } from '../goals.js';
import { cacheDir, cSourceDir, pdbgBin } from '../paths.js';
import type { RowResult, Side } from '../result.js';
import { measureSides, sideNamed, type BenchContext, type Row, type SideDef } from '../row.js';

const PDBG = 'pdbg trace';
const PDBG_RET = 'pdbg trace --ret';
const LTRACE = 'ltrace -e (returns always)';
const GDB = 'gdb dprintf';
const GDB_RET = 'gdb dprintf, entry + return site';
const FN = 'bt_step';

/** libbtstep.so and the program linked to it (rpath: found without LD_LIBRARY_PATH). */
function buildTarget(): string {
  mkdirSync(cacheDir, { recursive: true });
  const lib = join(cacheDir, 'libbtstep.so');
  const bin = join(cacheDir, 'tracecall');
  const stale = (out: string, src: string) => !existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs;
  if (stale(lib, join(cSourceDir, 'btstep.c'))) {
    execFileSync('gcc', ['-O2', '-shared', '-fPIC', '-Wall', '-o', lib, join(cSourceDir, 'btstep.c')], { stdio: ['ignore', 'inherit', 'inherit'] });
  }
  if (stale(bin, join(cSourceDir, 'tracecall.c')) || stale(bin, lib)) {
    execFileSync('gcc', ['-O0', '-g', '-Wall', '-o', bin, join(cSourceDir, 'tracecall.c'), `-L${cacheDir}`, '-lbtstep', `-Wl,-rpath,${cacheDir}`], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }
  return bin;
}

/** `main+OFF` of the instruction after the timed loop's call to bt_step (the second call in main). */
function returnSite(bin: string): string {
  const dis = execFileSync('objdump', ['-d', '--no-show-raw-insn', bin], { encoding: 'utf8' });
  const main = /^([0-9a-f]+) <main>:\n([\s\S]*?)\n\n/m.exec(dis);
  if (!main) throw new Error('tracecall: no main in the disassembly');
  const lines = main[2]!.split('\n').map((l) => /^\s*([0-9a-f]+):\s+(.*)$/.exec(l)).filter((m): m is RegExpExecArray => m !== null);
  const calls = lines.map((m, i) => ({ m, i })).filter(({ m }) => /call.*<bt_step@plt>/.test(m[2]!));
  const after = calls[1] && lines[calls[1].i + 1];
  if (!after) throw new Error('tracecall: no second call to bt_step@plt in main');
  return `main+${Number.parseInt(after[1]!, 16) - Number.parseInt(main[1]!, 16)}`;
}

/** Runs one tool over a fresh target; the target's calls/s after checking the tool saw 0..n in order. */
function sample(n: number, run: (timeFile: string) => { out: string; status: number | null; stderr: string }, args: (out: string) => number[], what: string): number {
  const dir = mkdtempSync(join(tmpdir(), 'pdbg-bench-trace-'));
  try {
    const timeFile = join(dir, 'time');
    const r = run(timeFile);
    if (r.status !== 0) throw new Error(`${what}: exit ${r.status}: ${r.stderr.trim().split('\n').pop() ?? ''}`);
    const seen = args(r.out);
    const bad = seen.length !== n + 1 ? -1 : seen.findIndex((a, i) => a !== i);
    if (bad !== -1) throw new Error(`${what}: saw ${seen.length} calls of ${n + 1}${bad >= 0 ? `, call ${bad} with argument ${seen[bad]}` : ''}: a call missed or doubled`);
    const [calls, ns] = readFileSync(timeFile, 'utf8').trim().split(' ').map(Number);
    return (calls! * 1e9) / ns!;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const BIG = { encoding: 'utf8' as const, maxBuffer: 512 << 20, timeout: 600_000, killSignal: 'SIGKILL' as const };

function pdbgSide(bin: string, n: number, ret: boolean): number {
  return sample(n, (tf) => {
    const r = spawnSync(process.execPath, [pdbgBin, 'trace', FN, '--args', '1', ...(ret ? ['--ret'] : []), '--', bin, String(n), tf], BIG);
    return { out: r.stdout ?? '', status: r.status, stderr: r.stderr ?? '' };
  }, (out) => {
    const re = ret ? /^bt_step\(0x([0-9a-f]+)\) = (\d+)$/ : /^bt_step\(0x([0-9a-f]+)\)$/;
    return out.split('\n').filter(Boolean).map((l) => {
      const m = re.exec(l);
      if (!m || (ret && Number(m[2]) !== Number.parseInt(m[1]!, 16) + 1)) return -1;
      return Number.parseInt(m[1]!, 16);
    });
  }, ret ? PDBG_RET : PDBG);
}

function ltraceSide(bin: string, n: number): number {
  return sample(n, (tf) => {
    const out = `${tf}.ltrace`;
    const r = spawnSync('ltrace', ['-e', FN, '-o', out, bin, String(n), tf], BIG);
    return { out: existsSync(out) ? readFileSync(out, 'utf8') : '', status: r.status, stderr: r.stderr ?? '' };
  }, (out) => out.split('\n').filter((l) => l.includes(`${FN}(`)).map((l) => {
    // `tracecall->bt_step(0x2a, …) = 0x2b`: the first argument, and its return checked.
    const m = /bt_step\((0x[0-9a-f]+|\d+)[,)].*= (0x[0-9a-f]+|\d+)$/.exec(l);
    return m && Number(m[2]) === Number(m[1]) + 1 ? Number(m[1]) : -1;
  }), LTRACE);
}

function gdbSide(bin: string, n: number, site: string | undefined): number {
  return sample(n, (tf) => {
    const args = ['-batch', '-nx', '-ex', 'set breakpoint pending on', '-ex', `dprintf ${FN},"%ld\\n",$rdi`];
    if (site) args.push('-ex', `dprintf *${site},"= %ld\\n",$rax`);
    args.push('-ex', 'run', '--args', bin, String(n), tf);
    const r = spawnSync('gdb', args, BIG);
    return { out: r.stdout ?? '', status: r.status, stderr: r.stderr ?? '' };
  }, (out) => {
    const lines = out.split('\n').filter((l) => /^(= )?-?\d+$/.test(l));
    const seen: number[] = [];
    for (let i = 0; i < lines.length; i++) {
      if (lines[i]!.startsWith('=')) continue;
      const a = Number(lines[i]);
      // With the return site: the timed calls' returns follow them (the first, untimed call
      // returns to another site).
      if (site && a > 0 && lines[i + 1] !== `= ${a + 1}`) seen.push(-1);
      else seen.push(a);
    }
    return seen;
  }, site ? GDB_RET : GDB);
}

function tool(name: string): boolean {
  return spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0;
}

export const traceRow: Row = {
  id: 'trace',
  async run(ctx: BenchContext): Promise<RowResult[]> {
    const n = ctx.quick ? 2_000 : 20_000;
    const bin = buildTarget();
    const site = returnSite(bin);
    const haveLtrace = tool('ltrace');
    const haveGdb = tool('gdb');
    const def = (name: string, kind: Side['kind'], sample: (() => number) | undefined, missing: string, note?: string): SideDef =>
      sample
        ? { name, kind, unit: 'calls/s', better: 'higher', sample: async () => sample(), ...(note ? { note } : {}) }
        : { name, kind, unit: 'calls/s', better: 'higher', missing };
    const defs: SideDef[] = [
      def(PDBG, 'pdbg', () => pdbgSide(bin, n, false), ''),
      def(PDBG_RET, 'pdbg', () => pdbgSide(bin, n, true), ''),
      def(LTRACE, 'baseline', haveLtrace ? () => ltraceSide(bin, n) : undefined, 'n/a (no ltrace)'),
      def(GDB, 'baseline', haveGdb ? () => gdbSide(bin, n, undefined) : undefined, 'n/a (no gdb)'),
      def(GDB_RET, 'baseline', haveGdb ? () => gdbSide(bin, n, site) : undefined, 'n/a (no gdb)', `dprintf ${FN} and dprintf *${site}`),
    ];
    const sides = await measureSides(ctx, defs);
    const better = (a: Side, b: Side) => (!(b.median > a.median) ? a : b);
    const ltrace = sideNamed(sides, LTRACE);
    const gdb = sideNamed(sides, GDB);
    const gdbRet = sideNamed(sides, GDB_RET);
    const title = (what: string) => `traced calls/s (${FN} in a library, through the PLT), ${n / 1000}k calls, ${what}`;
    const note = 'the target times its own loop of calls; each sample checks the tool saw arguments 0..N in order';
    return [
      {
        id: 'trace',
        title: title('entries'),
        sides: [sideNamed(sides, PDBG), ltrace, gdb],
        goals: [ratioGoal(sideNamed(sides, PDBG), better(ltrace, gdb), 5)],
        notes: [note],
      },
      {
        id: 'trace',
        title: title('with returns'),
        sides: [sideNamed(sides, PDBG_RET), ltrace, gdbRet],
        goals: [ratioGoal(sideNamed(sides, PDBG_RET), better(ltrace, gdbRet), 5)],
        notes: [],
      },
    ];
  },
};
