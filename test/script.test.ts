import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseScript } from '../src/commands/script.js';
import { commandNames, helpLines, splitCommandLine } from '../src/commands/commands.js';
import { isCleanError, killStarted, pdbg, pdbgStart } from './helpers/cli.js';
import { liveOk } from './helpers/root.js';
import { procState, rawMem } from './helpers/targets.js';

const dir = mkdtempSync(join(tmpdir(), 'pdbg-script-'));
afterAll(killStarted);

let outs = 0;
/** `pdbg start` as a user runs it, the target's stdout in a file of its own. */
function start(name: string, args: string[] = [], out = join(dir, `${name}-${outs++}.out`)): { pid: number; out: string } {
  return { pid: pdbgStart(name, args, out), out };
}


describe('script parsing and the command table', () => {
  it('skips blanks and comments and keeps line numbers', () => {
    expect(parseScript('# head\n\nbreak main  # why\n  step 3\n')).toEqual([
      { line: 3, text: 'break main' },
      { line: 4, text: 'step 3' },
    ]);
  });
  it('maps gdb two-word forms onto table names; help lists every command', () => {
    expect(splitCommandLine('info registers rip')).toEqual(['info-registers', 'rip']);
    expect(commandNames()).toEqual(expect.arrayContaining(['break', 'b', 'tbreak', 'continue', 'c', 'x', 'until', 'threads']));
    expect(helpLines().some((l) => l.startsWith('break [-p] SYM'))).toBe(true);
  });
});

describe.skipIf(!liveOk('script'))('pdbg script', () => {
  it('runs a batch with breakpoints, edits and steps in one session', () => {
    const { pid, out } = start('breakme', ['3']);
    const file = join(dir, 'batch.pdbg');
    writeFileSync(
      file,
      `# break, edit an argument, step off, and go on
break target_fn
continue
regs rdi rip
set rdi=10
stepi 2
breakpoints
continue
info registers rdi
delete 1
tbreak done_fn
continue
x done_fn 4
threads
detach
`,
    );
    const r = pdbg(['script', String(pid), file]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const o = r.stdout;
    expect(o).toMatch(/^\(pdbg\) break target_fn\nbreakpoint 1 at 0x[0-9a-f]+ <target_fn>\n/);
    expect(o).toMatch(/\(pdbg\) continue\nbreakpoint 1 at 0x[0-9a-f]+ <target_fn> \(thread \d+\)\n/);
    expect(o).toMatch(/\(pdbg\) regs rdi rip\nrdi +0x0{16}\nrip +0x[0-9a-f]{16} <target_fn>\n/);
    expect(o).toContain('(pdbg) set rdi=10\nrdi = 0xa\n');
    expect(o).toMatch(/\(pdbg\) stepi 2\nstepped to 0x[0-9a-f]+ <target_fn\+\d+>/);
    expect(o).toMatch(/\(pdbg\) breakpoints\n +1 keep 0x[0-9a-f]+ <target_fn> hits 1\n/);
    // Second call hits the same breakpoint: rdi = 1.
    expect(o).toMatch(/\(pdbg\) info registers rdi\nrdi {12}0x1 {17}1\n/);
    expect(o).toMatch(/\(pdbg\) continue\ntemporary breakpoint 2 at 0x[0-9a-f]+ <done_fn> \(thread \d+\)\n/);
    expect(o).toMatch(/\(pdbg\) x done_fn 4\n0x[0-9a-f]+: f3 0f 1e fa|\(pdbg\) x done_fn 4\n0x[0-9a-f]+: 55 48 89 e5/);
    expect(o).toMatch(/\(pdbg\) threads\n\* \d+ +stopped 0x[0-9a-f]+ <done_fn>\n/);
    expect(o).toContain('(pdbg) detach\ndetached\n');
    for (let i = 0; i < 200 && !readFileSync(out, 'utf8').includes('total'); i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    // The edit took: call 0 computed f(10) = 21.
    expect(readFileSync(out, 'utf8')).toContain('call 0 -> 21\ncall 1 -> 3\ncall 2 -> 5\ntotal 29');
  });

  it('reads the script from stdin, and --json gives each command with its result', () => {
    const { pid } = start('writer');
    const r = pdbg(['script', String(pid), '-', '--json'], { input: 'until checkpoint\nx value 8\nwrite value 05\nx value 1\n' });
    expect(r.status).toBe(0);
    const steps = JSON.parse(r.stdout);
    expect(steps.map((s: { command: string }) => s.command)).toEqual(['until checkpoint', 'x value 8', 'write value 05', 'x value 1']);
    expect(steps[1].result.bytes).toBe('2a00000000000000');
    expect(steps[3].result.bytes).toBe('05');
    expect(procState(pid)).toEqual({ state: 'T', tracerPid: 0 });
  });

  it('runs gdb-style inspection: conditions, x/FMT, print, nexti, disassemble, info (text and --json)', () => {
    const script = [
      'break f if $rdi == 5',
      'continue',
      'p/x $rdi',
      'p $ + 1',
      'x/s greeting',
      'x/2gx $rsp',
      'x/3i $pc',
      'info breakpoints',
      'nexti 2',
      'disassemble',
      'info symbol $pc',
      'info registers rdi',
    ].join('\n') + '\n';
    const text = pdbg(['script', String(start('inspectee', ['10']).pid), '-'], { input: script });
    expect(text.stderr).toBe('');
    expect(text.status).toBe(0);
    const o = text.stdout;
    expect(o).toMatch(/\(pdbg\) continue\nbreakpoint 1 at 0x[0-9a-f]+ <f> \(thread \d+\)\n/);
    expect(o).toContain('(pdbg) p/x $rdi\n$1 = 0x5\n(pdbg) p $ + 1\n$2 = 6\n');
    expect(o).toMatch(/\(pdbg\) x\/s greeting\n0x[0-9a-f]+ <greeting>:\t"hello, \\"world\\"\\n\\tend"\n/);
    expect(o).toMatch(/\(pdbg\) x\/2gx \$rsp\n0x[0-9a-f]+:\t0x[0-9a-f]{16}\t0x[0-9a-f]{16}\n/);
    expect(o).toMatch(/\(pdbg\) x\/3i \$pc\n=> 0x[0-9a-f]+ <f>:\t\S.*\n {3}0x[0-9a-f]+ <f\+\d+>:\t.*\n {3}0x/);
    expect(o).toContain('\tstop only if $rdi == 5\n\tbreakpoint already hit 1 time\n');
    expect(o).toMatch(/\(pdbg\) nexti 2\nstepped to 0x[0-9a-f]+ <f\+\d+>/);
    expect(o).toMatch(/Dump of assembler code for function f:\n(.*\n)*=> 0x0{4}[0-9a-f]{12} <\+\d+>:\t(.*\n)*End of assembler dump\.\n/);
    expect(o).toMatch(/\(pdbg\) info symbol \$pc\nf \+ \d+ in section \.text of \/\S+\/inspectee\n/);
    expect(o).toMatch(/\(pdbg\) info registers rdi\nrdi {12}0x5 {17}5\n/);

    const { pid } = start('inspectee', ['10']);
    const r = pdbg(['script', String(pid), '-', '--json'], { input: script });
    expect(r.status).toBe(0);
    const steps = JSON.parse(r.stdout) as { command: string; result: Record<string, unknown> & { [k: string]: any } }[];
    expect(steps.map((s) => s.command)).toEqual(script.trim().split('\n'));
    expect(steps[0]!.result).toMatchObject({ id: 1, condition: '$rdi == 5' });
    expect(steps[2]!.result).toMatchObject({ history: 1, value: '0x5', text: '0x5' });
    expect(steps[4]!.result.strings).toEqual([{ addr: expect.stringMatching(/^0x/), text: 'hello, "world"\n\tend' }]);
    expect(steps[5]!.result).toMatchObject({ format: 'x', size: 'g', count: 2 });
    expect(steps[5]!.result.units).toHaveLength(2);
    expect(steps[6]!.result.instructions).toHaveLength(3);
    expect(steps[7]!.result[0]).toMatchObject({ id: 1, hits: 1, condition: '$rdi == 5', enabled: true, ignoreCount: 0 });
    expect(steps[8]!.result).toMatchObject({ kind: 'step' });
    expect(steps[9]!.result.instructions.filter((i: { current: boolean }) => i.current)).toHaveLength(1);
    expect(steps[10]!.result).toMatchObject({ symbol: 'f', section: '.text' });
    expect(procState(pid)).toEqual({ state: 'T', tracerPid: 0 });
  });

  it('stops at the first error naming its line, and leaves no breakpoint behind', () => {
    const { pid } = start('breakme', ['3']);
    const file = join(dir, 'bad.pdbg');
    writeFileSync(file, 'break target_fn\n\nset rqx=1\ncontinue\n');
    const r = pdbg(['script', String(pid), file]);
    expect(isCleanError(r)).toBe(true);
    expect(r.stderr).toMatch(/^pdbg: script line 3 \(set rqx=1\): unknown register 'rqx'/);
    // The failing line is echoed, like every line, before its error (gdb's transcript order).
    expect(r.stdout).toMatch(/^\(pdbg\) break target_fn\nbreakpoint 1 at (0x[0-9a-f]+) <target_fn>\n\(pdbg\) set rqx=1\n$/);
    const addr = BigInt(/at (0x[0-9a-f]+)/.exec(r.stdout)![1]!);
    expect(rawMem(pid, addr, 1)[0]).not.toBe(0xcc);
    expect(procState(pid)).toEqual({ state: 'T', tracerPid: 0 });
    const missing = pdbg(['script', String(pid), join(dir, 'nope.pdbg')]);
    expect(isCleanError(missing)).toBe(true);
    const unknown = pdbg(['script', String(pid), '-'], { input: 'frob\n' });
    expect(unknown.stderr).toMatch(/^pdbg: script line 1 \(frob\): unknown command 'frob'/);
  });
});
