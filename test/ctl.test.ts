import { execFileSync, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { CTL_VERBS, ctlPrecondition, parseCtl } from '../src/procfs/ctl.js';
import { ProcfsError } from '../src/procfs/errors.js';
import { LinuxControl } from '../src/procfs/sources/linux/control.js';
import { formatWhy, parseWhy, type Why } from '../src/procfs/why.js';
import { liveOk } from './helpers/root.js';
import { repoRoot } from './helpers/targets.js';
import { killAllTracees, rejects, startTracee } from './helpers/tracee.js';


describe('ctl words (pure)', () => {
  it('parses BSD words strictly and pdbg extensions leniently', () => {
    expect(parseCtl('attach\n', true)).toEqual({ kind: 'verb', verb: 'attach' });
    expect(parseCtl('usr1', true)).toMatchObject({ kind: 'signal', signal: { name: 'usr1' } });
    expect(() => parseCtl('SIGUSR1', true)).toThrow(/unknown control word/);
    expect(() => parseCtl('detach-stopped', true)).toThrow(ProcfsError);
    expect(parseCtl('  STEP ')).toEqual({ kind: 'verb', verb: 'step' });
    expect(parseCtl('SIGUSR1')).toMatchObject({ kind: 'signal', signal: { number: 10 } });
    expect(parseCtl('9')).toMatchObject({ kind: 'signal', signal: { name: 'kill' } });
    expect(parseCtl('detach-stopped')).toEqual({ kind: 'verb', verb: 'detach-stopped' });
    for (const w of ['frobnicate', 'emt', 'info', '']) {
      const e = (() => { try { parseCtl(w); } catch (x) { return x as ProcfsError; } })();
      expect(e?.code).toBe('EOPNOTSUPP');
    }
    expect(CTL_VERBS.filter((v) => v.extension).map((v) => v.word)).toEqual(['detach-stopped', 'interrupt']);
  });

  it('applies the BSD errno table', () => {
    const step = parseCtl('step');
    expect(ctlPrecondition(step, 'running', 1)?.code).toBe('EBUSY');
    expect(ctlPrecondition(step, 'untraced', 1)?.code).toBe('EBUSY');
    expect(ctlPrecondition(step, 'trace-wait', 1)).toBeNull();
    expect(ctlPrecondition(parseCtl('attach'), 'other-tracer', 1)?.code).toBe('EBUSY');
    expect(ctlPrecondition(parseCtl('attach'), 'self', 1)?.code).toBe('EINVAL');
    expect(ctlPrecondition(parseCtl('detach'), 'untraced', 1)).toBeNull();
    expect(ctlPrecondition(parseCtl('term'), 'untraced', 1)).toBeNull();
    expect(ctlPrecondition(parseCtl('run'), 'exited', 7, 'exited (code 3)')?.message).toBe('process 7 exited (code 3)');
    expect(ctlPrecondition(parseCtl('step'), 'exited', 7, 'was killed by signal kill')?.message).toBe('process 7 was killed by signal kill');
  });

  it('formats and parses every why line', () => {
    const lines: Why[] = [
      { state: 'running' },
      { state: 'stopped', tid: 12, reason: 'attach' },
      { state: 'stopped', tid: 12, reason: 'step' },
      { state: 'stopped', tid: 12, reason: 'trap', addr: 0x401001n },
      { state: 'stopped', tid: 13, reason: 'signal', signal: 'usr1' },
      { state: 'stopped', tid: 12, reason: 'exec' },
      { state: 'stopped', tid: 12, reason: 'clone', newTid: 14 },
      { state: 'stopped', tid: 12, reason: 'fork', child: 15 },
      { state: 'stopped', tid: 12, reason: 'vfork', child: 16 },
      { state: 'stopped', tid: 12, reason: 'vforkdone' },
      { state: 'exited', code: 3 },
      { state: 'killed', signal: 'kill' },
      { state: 'detached' },
    ];
    for (const w of lines) expect(parseWhy(formatWhy(w))).toEqual(w);
    expect(formatWhy(lines[3]!)).toBe('stopped 12 trap 0x401001');
    expect(() => parseWhy('stopped 12 trap 4096')).toThrow(/0x-hex/);
    expect(() => parseWhy('asleep')).toThrow(/unknown state/);
    expect(formatWhy({ state: 'stopped', tid: 12, reason: 'vfork', child: 16 })).toBe('stopped 12 vfork 16');
    expect(() => parseWhy('stopped 12 fork')).toThrow(/takes 3 fields/);
    // 2^53+1 would read back as 2^53: refused, not rounded.
    expect(() => parseWhy('stopped 9007199254740993 signal hup')).toThrow(/tid out of range: '9007199254740993'/);
  });
});

describe.skipIf(!liveOk('ctl live'))('ctl on live targets', () => {
  const lc = new LinuxControl();
  const why = async (pid: number) => (await lc.read(pid, 'why')).toString().trim();
  const rip = async (pid: number, tid?: number) => (await lc.read(pid, 'regs', { tid })).readBigUInt64LE(128);
  afterEach(() => {
    lc.releaseAllSync();
    killAllTracees();
  });

  it('attach, wait, step: rip moves and why says so', async () => {
    const t = await startTracee('ctltarget', ['spin']);
    await t.waitFor(/ready/);
    await lc.write(t.pid, 'ctl', 'attach');
    await lc.write(t.pid, 'ctl', 'wait');
    expect(await why(t.pid)).toBe(`stopped ${t.pid} attach`);
    const before = await rip(t.pid);
    const seen = new Set<bigint>([before]);
    for (let i = 0; i < 5; i++) {
      await lc.write(t.pid, 'ctl', 'step');
      expect(await why(t.pid)).toBe('running');
      await lc.write(t.pid, 'ctl', 'wait');
      expect(await why(t.pid)).toBe(`stopped ${t.pid} step`);
      seen.add(await rip(t.pid));
    }
    expect(seen.size).toBeGreaterThan(1);
    // Stopped: BSD's regs needs that; after run it is EBUSY.
    await lc.write(t.pid, 'ctl', 'run');
    expect((await rejects(lc.read(t.pid, 'regs'))).code).toBe('EBUSY');
    expect((await rejects(lc.write(t.pid, 'ctl', 'step'))).code).toBe('EBUSY');
    expect((await rejects(lc.write(t.pid, 'ctl', 'attach'))).code).toBe('EBUSY');
    await lc.write(t.pid, 'ctl', 'detach');
    expect(await why(t.pid)).toBe('detached');
    // detach of an untraced process: a no-op success
    await lc.write(t.pid, 'ctl', 'detach');
  });

  it('steps one thread of two; the other stays stopped', async () => {
    const t = await startTracee('ctlthreads');
    const m = await t.waitFor(/ready (\d+) (\d+) (\d+)/);
    const [main, other] = [Number(m[2]), Number(m[3])];
    await lc.write(t.pid, 'ctl', 'attach');
    await lc.write(t.pid, 'ctl', 'wait');
    expect(lc.threads(t.pid)).toEqual([main, other].sort((a, b) => a - b));
    const mainRip = await rip(t.pid, main);
    let otherRip = await rip(t.pid, other);
    const moved = new Set<bigint>();
    for (let i = 0; i < 4; i++) {
      await lc.write(t.pid, 'ctl', 'step', { tid: other });
      await lc.write(t.pid, 'ctl', 'wait');
      expect(await why(t.pid)).toBe(`stopped ${other} step`);
      const r = await rip(t.pid, other);
      moved.add(r);
      otherRip = r;
      expect(await rip(t.pid, main)).toBe(mainRip);
    }
    expect(moved.size).toBeGreaterThan(1);
    expect(otherRip).not.toBe(0n);
    // run resumes both; a signal stop then stops both again.
    await lc.write(t.pid, 'ctl', 'run');
    await lc.write(t.pid, 'note', 'usr2');
    await lc.write(t.pid, 'ctl', 'wait');
    expect(await why(t.pid)).toMatch(new RegExp(`^stopped (${main}|${other}) signal usr2$`));
    await rip(t.pid, main);
    await rip(t.pid, other);
  });

  it('runs to a raise(SIGUSR1), then to exit(3); step after exit is ESRCH', async () => {
    const t = await startTracee('ctltarget', ['raise']);
    const m = await t.waitFor(/ready \d+ (\S+) (\S+) (\S+)/);
    await lc.write(t.pid, 'ctl', 'attach');
    await lc.write(t.pid, 'ctl', 'wait');
    await lc.write(t.pid, 'mem', Buffer.from([1, 0, 0, 0]), { offset: BigInt(m[3]!) });
    await lc.write(t.pid, 'ctl', 'run');
    await lc.write(t.pid, 'ctl', 'wait');
    expect(await why(t.pid)).toBe(`stopped ${t.pid} signal usr1`);
    await lc.write(t.pid, 'ctl', 'usr1'); // resume delivering it: the handler prints
    await lc.write(t.pid, 'ctl', 'wait');
    expect(await why(t.pid)).toBe('exited 3');
    await t.waitFor(/usr1 0x1122334455667788/);
    const e = await rejects(lc.write(t.pid, 'ctl', 'step'));
    expect([e.code, e.message]).toEqual(['ESRCH', `process ${t.pid} exited (code 3)`]);
    expect(await t.exited()).toBe(3);
  });

  it('a target killed while stepping gives ESRCH with a one-line reason', async () => {
    const t = await startTracee('ctltarget', ['spin']);
    await t.waitFor(/ready/);
    await lc.write(t.pid, 'ctl', 'attach');
    await lc.write(t.pid, 'ctl', 'wait');
    await lc.write(t.pid, 'ctl', 'step');
    await lc.write(t.pid, 'ctl', 'wait');
    process.kill(t.pid, 'SIGKILL');
    let e: ProcfsError | undefined;
    for (let i = 0; i < 50 && !e; i++) {
      try {
        await lc.write(t.pid, 'ctl', 'step');
        await lc.write(t.pid, 'ctl', 'wait');
      } catch (x) {
        e = x as ProcfsError;
      }
    }
    expect(e?.code).toBe('ESRCH');
    expect(e?.message).toBe(`process ${t.pid} was killed by signal kill`);
    expect(await why(t.pid)).toBe('killed kill');
  });

  it('interrupt stops a running target; detach-stopped leaves it stopped', async () => {
    const t = await startTracee('ctltarget', ['spin']);
    await t.waitFor(/ready/);
    await lc.write(t.pid, 'ctl', 'attach');
    await lc.write(t.pid, 'ctl', 'wait');
    await lc.write(t.pid, 'ctl', 'run');
    const waiting = lc.write(t.pid, 'ctl', 'wait');
    await new Promise((r) => setTimeout(r, 30));
    await lc.write(t.pid, 'ctl', 'interrupt');
    await waiting;
    expect(await why(t.pid)).toBe(`stopped ${t.pid} interrupt`);
    await lc.write(t.pid, 'ctl', 'detach-stopped');
    let state = '';
    for (let i = 0; i < 100 && state !== 'T'; i++) {
      state = /State:\s+(\S)/.exec(execFileSync('cat', [`/proc/${t.pid}/status`], { encoding: 'utf8' }))![1]!;
      if (state !== 'T') await new Promise((r) => setTimeout(r, 10));
    }
    expect(state).toBe('T');
    expect(/TracerPid:\s+(\d+)/.exec(execFileSync('cat', [`/proc/${t.pid}/status`], { encoding: 'utf8' }))![1]).toBe('0');
  });

  it('refuses bad attaches with the BSD errnos', async () => {
    // no such process
    expect((await rejects(lc.write(2 ** 22 + 12345, 'ctl', 'attach'))).code).toBe('ESRCH');
    // yourself
    expect((await rejects(lc.write(process.pid, 'ctl', 'attach'))).code).toBe('EINVAL');
    // a zombie: the short sleep exits after its parent exec'd into a sleep that never reaps it
    const z = await startTracee('ctltarget', ['spin']);
    const zsh = spawn('sh', ['-c', 'sleep 0.05 & echo $!; exec sleep 1000'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const zpid = Number(await new Promise<string>((r) => zsh.stdout!.once('data', (d: Buffer) => r(d.toString()))));
      for (let i = 0; i < 100 && !/State:\s+Z/.test(execFileSync('cat', [`/proc/${zpid}/status`], { encoding: 'utf8' })); i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      const e = await rejects(lc.write(zpid, 'ctl', 'attach'));
      expect(e.code).toBe('ESRCH');
      expect(e.message).toMatch(/zombie/);
    } finally {
      zsh.kill('SIGKILL');
    }
    // a direct child of this Node process: refused with a reason, not silently broken
    const kid = spawn('sleep', ['1000']);
    try {
      expect((await rejects(lc.write(kid.pid!, 'ctl', 'attach'))).message).toMatch(/child of this Node process/);
    } finally {
      kid.kill('SIGKILL');
    }
    // already traced by another process (a second node running the same attach)
    await z.waitFor(/ready/);
    const other = spawn(process.execPath, ['--input-type=module', '-e', `
      const { LinuxControl } = await import(${JSON.stringify(`${repoRoot}/dist/src/procfs/sources/linux/control.js`)});
      const lc = new LinuxControl();
      await lc.write(${z.pid}, 'ctl', 'attach'); await lc.write(${z.pid}, 'ctl', 'wait');
      console.log('attached'); setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((r) => other.stdout!.on('data', (d: Buffer) => d.toString().includes('attached') && r()));
      const e = await rejects(lc.write(z.pid, 'ctl', 'attach'));
      expect(e.code).toBe('EBUSY');
      // step/run on a process somebody else traces: not in trace-wait for us
      expect((await rejects(lc.write(z.pid, 'ctl', 'step'))).code).toBe('EBUSY');
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('refuses attach as nobody (EPERM)', async () => {
    const t = await startTracee('ctltarget', ['spin']);
    await t.waitFor(/ready/);
    const script = `
      const { LinuxControl } = await import(${JSON.stringify(`${repoRoot}/dist/src/procfs/sources/linux/control.js`)});
      try { await new LinuxControl().write(${t.pid}, 'ctl', 'attach'); console.log('ok'); }
      catch (e) { console.log(e.code); }`;
    const out = execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('EPERM');
  });

  it('unknown words are EOPNOTSUPP; reading ctl is EOPNOTSUPP', async () => {
    const t = await startTracee('ctltarget', ['spin']);
    await t.waitFor(/ready/);
    expect((await rejects(lc.write(t.pid, 'ctl', 'frobnicate'))).code).toBe('EOPNOTSUPP');
    expect((await rejects(lc.read(t.pid, 'ctl'))).code).toBe('EOPNOTSUPP');
    expect(await why(t.pid)).toBe('untraced');
  });
});
