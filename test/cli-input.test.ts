/**
 * The CLI's input and output edges: a reader that leaves early, numbers that do not fit, and the
 * one clear line every malformed argument gets.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseWhere } from '../src/engine/location.js';
import { parseHexBytes } from '../src/commands/values.js';
import { ctlPrecondition, parseCtl } from '../src/procfs/ctl.js';
import { ProcfsError } from '../src/procfs/errors.js';
import { parseSignal, signalName } from '../src/procfs/signals.js';
import { isCleanError, killStarted, pdbg, pdbgBin, pdbgStart, type CliResult } from './helpers/cli.js';
import { liveOk, cliOk } from './helpers/root.js';
import { killAll, procState, startTarget } from './helpers/targets.js';

const dir = mkdtempSync(join(tmpdir(), 'pdbg-cli-input-'));
afterAll(() => {
  killStarted();
  killAll();
});

/** The message a parser refuses `text` with (fails the test when it accepts it). */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProcfsError);
    return (e as Error).message;
  }
  throw new Error('accepted, but should not be');
}

/** `pdbg ARGS…` with stdout on a pipe the test closes before pdbg writes a byte. */
function withReaderGone(args: string[]): Promise<CliResult> {
  const child = spawn(process.execPath, [pdbgBin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  // Closed at once: pdbg's first write (tens of ms later, after Node starts) finds no reader.
  child.stdout.destroy();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((res) => child.on('close', (status, signal) => res({ status, signal, stdout: '', stderr })));
}

describe.skipIf(!cliOk('output whose reader has gone'))('output whose reader has gone', () => {
  it('pdbg ps into a closed pipe (| head -1): no EPIPE stack, status 0', async () => {
    for (const args of [['ps'], ['ps', '--json'], ['--help']]) {
      const r = await withReaderGone(args);
      expect(r.stderr, args.join(' ')).toBe('');
      expect(r.status, args.join(' ')).toBe(0);
    }
  });

  it('a write that fails otherwise (/dev/full: ENOSPC) is one line and status 1', async () => {
    const fd = openSync('/dev/full', 'w');
    try {
      const child = spawn(process.execPath, [pdbgBin, 'ps'], { stdio: ['ignore', fd, 'pipe'] });
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const status = await new Promise<number | null>((res) => child.on('close', (s) => res(s)));
      expect(stderr).toBe('pdbg: cannot write output: ENOSPC\n');
      expect(status).toBe(1);
    } finally {
      closeSync(fd);
    }
  });
});

describe.skipIf(!cliOk('pids, tids and counts are decimal, and the message quotes what was typed'))('pids, tids and counts are decimal, and the message quotes what was typed', () => {
  // All refused before any process is looked at: pid 1 exists, and must not be attached.
  it.each([
    [['step', 'abc'], "pdbg: not a process id: 'abc' (a decimal number)"],
    [['step', '0x10'], "pdbg: not a process id: '0x10' (a decimal number)"],
    [['step', '1e3'], "pdbg: not a process id: '1e3' (a decimal number)"],
    [['step', '0'], 'pdbg: process id 0 out of range (1-2147483647)'],
    [['step', '9007199254740993'], 'pdbg: process id 9007199254740993 out of range (1-2147483647)'],
    [['step', '1', '-n', 'abc'], "pdbg: not a count: 'abc' (a positive decimal integer)"],
    [['step', '1', '-n', '0x10'], "pdbg: not a count: '0x10' (a positive decimal integer)"],
    [['step', '1', '--tid', 'abc'], "pdbg: not a thread id: 'abc' (a decimal number)"],
    [['regs', 'x1'], "pdbg: not a process id: 'x1' (a decimal number)"],
    [['regs', '1', '--tid', '0x1'], "pdbg: not a thread id: '0x1' (a decimal number)"],
    [['mem', 'abc', '0x1000'], "pdbg: not a process id: 'abc' (a decimal number)"],
    [['run', 'abc'], "pdbg: not a process id: 'abc' (a decimal number)"],
    [['script', 'abc', '-'], "pdbg: not a process id: 'abc' (a decimal number)"],
    [['ctl', '0x1', 'attach'], "pdbg: not a process id: '0x1' (a decimal number)"],
    [['detach', 'abc'], "pdbg: not a process id: 'abc' (a decimal number)"],
    [['note', 'abc', 'hup'], "pdbg: not a process id: 'abc' (a decimal number)"],
    [['notepg', 'abc', 'hup'], "pdbg: not a process group id: 'abc' (a decimal number)"],
    [['step', '1\n2'], "pdbg: not a process id: '1\\x0a2' (a decimal number)"],
  ])('pdbg %j', (args, line) => {
    const r = pdbg(args, { input: '' });
    expect(r.stderr).toBe(line + '\n');
    expect(r.status).toBe(2);
  });
});

describe.skipIf(!cliOk('hex bytes are whole bytes in every group'))('hex bytes are whole bytes in every group', () => {
  it("'0 0' is refused, not read as the one byte 00; the documented spellings still parse", () => {
    expect(refusal(() => parseHexBytes('0 0'))).toMatch(/^bad hex bytes '0 0': '0' has an odd number of hex digits/);
    expect(refusal(() => parseHexBytes('f 00'))).toMatch(/'f' has an odd number/);
    expect(refusal(() => parseHexBytes('zz'))).toMatch(/'zz' is not hex/);
    expect(refusal(() => parseHexBytes(' '))).toMatch(/no bytes/);
    for (const t of ['de ad be ef', 'deadbeef', '0xdeadbeef', '\\xde\\xad\\xbe\\xef', 'de,ad,be,ef', 'de:ad:be:ef', '0xdead 0xbeef']) {
      expect(parseHexBytes(t).toString('hex'), t).toBe('deadbeef');
    }
  });

  it('pdbg mem --write "0 0" is a usage error before any process is touched', () => {
    const r = pdbg(['mem', '1', '0x1000', '--write', '0 0']);
    expect(isCleanError(r)).toBe(true);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/bad hex bytes '0 0'/);
  });
});

describe.skipIf(!cliOk('addresses are 64-bit'))('addresses are 64-bit', () => {
  it('2^64 and above are out of range, not "not mapped"', () => {
    expect(parseWhere('0xffffffffffffffff').addr).toBe((1n << 64n) - 1n);
    expect(refusal(() => parseWhere('0x10000000000000000'))).toBe("address out of range: '0x10000000000000000' (0 to 0xffffffffffffffff)");
    expect(refusal(() => parseWhere('18446744073709551616'))).toMatch(/^address out of range/);
    expect(refusal(() => parseWhere('main+0x10000000000000000'))).toMatch(/^address out of range/);
    const r = pdbg(['mem', '1', '0x10000000000000000', '8']);
    expect(r.stderr).toBe("pdbg: address out of range: '0x10000000000000000' (0 to 0xffffffffffffffff)\n");
    expect(r.status).toBe(2);
  });
});

describe.skipIf(!cliOk('real-time signals by name'))('real-time signals by name', () => {
  it('SIGRTMIN is 34 (glibc keeps 32 and 33), rtmin+N and SIGRTMAX-N count from it, and print as rtmin+N', () => {
    expect(parseSignal('SIGRTMIN')).toEqual({ number: 34, name: 'rtmin' });
    expect(parseSignal('rtmin+3')).toEqual({ number: 37, name: 'rtmin+3' });
    expect(parseSignal('SIGRTMAX-2')).toEqual({ number: 62, name: 'rtmin+28' });
    expect(parseSignal('rtmax-2')).toEqual({ number: 62, name: 'rtmin+28' });
    expect(parseSignal('SIGRTMAX')).toEqual({ number: 64, name: 'rtmin+30' });
    expect(parseSignal('36').name).toBe('rtmin+2');
    expect(refusal(() => parseSignal('rtmin+31'))).toMatch(/no real-time signal 'rtmin\+31'/);
    expect(refusal(() => parseSignal('rtmax+1'))).toMatch(/no real-time signal/);
    // BSD's strict ctl has no real-time names.
    expect(refusal(() => parseSignal('rtmin', true))).toMatch(/unknown signal name/);
    // Every number's printed name reads back as that number (notes are sent by name).
    for (let n = 1; n <= 64; n++) expect(parseSignal(signalName(n)).number, signalName(n)).toBe(n);
  });
});

describe.skipIf(!cliOk('detach and another tracer'))('detach and another tracer', () => {
  it("ctl detach of someone else's tracee is EBUSY (procfs_ctl.c), untraced stays a no-op", () => {
    expect(ctlPrecondition(parseCtl('detach'), 'other-tracer', 1)?.code).toBe('EBUSY');
    expect(ctlPrecondition(parseCtl('detach-stopped'), 'other-tracer', 1)?.code).toBe('EBUSY');
    expect(ctlPrecondition(parseCtl('detach'), 'untraced', 1)).toBeNull();
  });
});

const straceOk = spawnSync('strace', ['-V']).status === 0;
if (!straceOk) process.stderr.write('SKIP detach under strace: no strace\n');

describe.skipIf(!liveOk('cli-input live'))('live targets', () => {
  it('pdbg mem --write says what it wrote, byte by byte', () => {
    const pid = pdbgStart('writer', [], join(dir, 'writer-w.out'));
    const r = pdbg(['mem', String(pid), 'value', '--write', 'de ad']);
    expect(r.stderr).toMatch(/^pdbg: left stopped at 0x[0-9a-f]+ .*\(thread \d+\); pdbg detach \d+ resumes it\n$/);
    expect(r.stdout).toMatch(/^wrote 2 bytes at 0x[0-9a-f]+ <value>: de ad$/m);
    expect(pdbg(['mem', '--json', String(pid), 'value', '2']).stdout).toMatch(/"bytes": "dead"/);
  });

  it('a 1 MiB read cut short by an unmapped page prints what it read and says so, status 1', () => {
    const pid = pdbgStart('writer', [], join(dir, 'writer-r.out'));
    // The last page of a readable mapping with at least 1 MiB of nothing after it.
    const maps = readFileSync(`/proc/${pid}/maps`, 'utf8').trim().split('\n').map((l) => {
      const [range, perms] = l.split(' ');
      const [start, end] = range!.split('-').map((x) => BigInt(`0x${x}`));
      return { start: start!, end: end!, readable: perms!.startsWith('r') };
    });
    const m = maps.find((e, k) => e.readable && k + 1 < maps.length && maps[k + 1]!.start >= e.end + (1n << 20n));
    expect(m).toBeDefined();
    const end = m!.end;
    const r = pdbg(['mem', String(pid), `0x${(end - 4096n).toString(16)}`, '1048576']);
    expect(r.stderr).toBe(`pdbg: read 4096 of 1048576 bytes: address 0x${end.toString(16)} is not mapped\n`);
    expect(r.status).toBe(1);
    expect(r.stdout.trim().split('\n')).toHaveLength(4096 / 16);
    expect(procState(pid)).toEqual({ state: 'T', tracerPid: 0 });
  });

  it('note and ctl take real-time signal names: the target gets signals 37 (rtmin+3) and 62 (SIGRTMAX-2)', () => {
    const pid = pdbgStart('writer', [], join(dir, 'writer-s.out'));
    const r = pdbg(['note', String(pid), 'SIGRTMIN+3']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`sent rtmin+3 to ${pid}\n`);
    const c = pdbg(['ctl', String(pid), 'SIGRTMAX-2']);
    expect(c.stderr).toBe('');
    // Job-control stopped, it keeps both pending: bits 37-1 and 62-1 of the shared pending mask.
    const pending = BigInt(`0x${/^ShdPnd:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]}`);
    expect((pending >> 36n) & 1n).toBe(1n);
    expect((pending >> 61n) & 1n).toBe(1n);
  });

  it.skipIf(!straceOk)('pdbg detach of a process strace traces says so and leaves it traced, status 1', async () => {
    const t = startTarget('counter');
    const strace = spawn('strace', ['-p', String(t.pid), '-o', '/dev/null'], { stdio: 'ignore' });
    try {
      for (let k = 0; k < 500 && procState(t.pid).tracerPid !== strace.pid; k++) await new Promise((res) => setTimeout(res, 10));
      expect(procState(t.pid).tracerPid).toBe(strace.pid);
      const r = pdbg(['detach', String(t.pid)]);
      expect(r.stderr).toBe(`pdbg: pid ${t.pid} is traced by pid ${strace.pid} (strace), not by pdbg: not released\n`);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(procState(t.pid).tracerPid).toBe(strace.pid);
      const c = pdbg(['ctl', String(t.pid), 'detach']);
      expect(isCleanError(c)).toBe(true);
      expect(c.stderr).toMatch(/cannot detach: traced by another process/);
    } finally {
      strace.kill('SIGKILL');
    }
  });
});
