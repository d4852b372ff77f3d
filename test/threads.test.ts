/**
 * gdb's thread staples on a real threaded service (issue 18 §3): `pdbg bt --all` and `thread
 * apply all bt` in one stop, equal to gdb's real frames on every thread; `info threads` with
 * the threads' names and gdb's numbers; `thread N` takes those numbers.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdbg } from './helpers/cli.js';
import { gdbFrames } from './helpers/gdb.js';
import { liveOk } from './helpers/root.js';
import { procState } from './helpers/targets.js';

const haveRedis = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).status === 0;
if (!haveRedis) console.log('threads: skipped: redis-server is not installed (scripts/system-deps.sh installs it)');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let server: ChildProcess | undefined;
const pid = () => server!.pid!;

function tids(): number[] {
  return readdirSync(`/proc/${pid()}/task`).map(Number).sort((a, b) => a - b);
}

describe.runIf(liveOk('threads') && haveRedis)('threads of a real redis', () => {
  beforeAll(async () => {
    const port = 21000 + (process.pid % 20000);
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--io-threads', '4'], { stdio: 'ignore' });
    // Up when all its io threads exist (redis names them io_thd_N, 3 beside the main one) and
    // every thread sleeps, twice in a row: a thread stopped mid-clone has no caller frame yet
    // (gdb then shows a 0x0 frame pdbg does not), as a loaded CI run caught once.
    const settled = (): boolean => {
      try {
        const ts = tids();
        const io = ts.filter((t) => readFileSync(`/proc/${pid()}/task/${t}/comm`, 'utf8').startsWith('io_thd')).length;
        return io >= 3 && ts.every((t) => / S /.test(readFileSync(`/proc/${pid()}/task/${t}/stat`, 'utf8').replace(/^.*\)/, ')')));
      } catch {
        return false;
      }
    };
    for (let k = 0, calm = 0; k < 800 && calm < 2; k++) {
      calm = settled() ? calm + 1 : 0;
      await sleep(25);
    }
    // Frozen, so pdbg and gdb see the very same stacks (a job-control stop: both leave it so).
    process.kill(pid(), 'SIGSTOP');
    for (let k = 0; k < 400 && procState(pid()).state !== 'T'; k++) await sleep(25);
  }, 60_000);

  afterAll(() => {
    server?.kill('SIGKILL');
  });

  it('pdbg bt --all: every thread\'s frames equal gdb\'s real frames, in one stop', () => {
    const r = pdbg(['bt', String(pid()), '--all', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const mine = JSON.parse(r.stdout) as { threads: { num: number; tid: number; result: { frames: { pc: string }[] } }[] };
    const theirs = gdbFrames(pid());
    expect(mine.threads.map((t) => t.tid).sort((a, b) => a - b)).toEqual(tids());
    expect(mine.threads.length).toBeGreaterThanOrEqual(5);
    for (const t of mine.threads) {
      expect({ tid: t.tid, pcs: t.result.frames.map((f) => BigInt(f.pc)) }).toEqual({ tid: t.tid, pcs: theirs.get(t.tid)!.map((f) => f.pc) });
    }
    // Highest number first, as gdb's thread apply all.
    expect(mine.threads.map((t) => t.num)).toEqual([...mine.threads.map((t) => t.num)].sort((a, b) => b - a));
    expect(procState(pid()).state).toBe('T');
  });

  it('info threads: gdb\'s numbers and the threads\' names; thread N selects by that number', () => {
    const g = execFileSync('gdb', ['-nx', '-batch', '-p', String(pid()), '-ex', 'info threads'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const gdbNums = new Map<number, { num: number; name: string }>();
    for (const m of g.matchAll(/^[* ] +(\d+) +Thread 0x[0-9a-f]+ \(LWP (\d+)\) "([^"]*)"/gm)) gdbNums.set(Number(m[2]), { num: Number(m[1]), name: m[3]! });
    expect(gdbNums.size).toBe(tids().length);
    const r = pdbg(['script', String(pid()), '-'], { input: 'info threads\nthread 3\nthread apply all bt 1\n' });
    expect(r.stderr).toBe('');
    const rows = [...r.stdout.matchAll(/^[* ] (\d+) +LWP (\d+) "([^"]*)"/gm)].map((m) => ({ num: Number(m[1]), tid: Number(m[2]), name: m[3]! }));
    expect(rows.length).toBe(tids().length);
    for (const row of rows) {
      expect(row).toEqual({ num: gdbNums.get(row.tid)!.num, tid: row.tid, name: gdbNums.get(row.tid)!.name });
      expect(row.name).toBe(readFileSync(`/proc/${pid()}/task/${row.tid}/comm`, 'utf8').trim());
    }
    const third = rows.find((x) => x.num === 3)!;
    expect(r.stdout).toContain(`[Switching to thread 3 (LWP ${third.tid} "${third.name}")]`);
    // Every thread's header, highest first.
    const heads = [...r.stdout.matchAll(/^Thread (\d+) \(LWP \d+ "[^"]*"\):$/gm)].map((m) => Number(m[1]));
    expect(heads).toEqual(rows.map((x) => x.num).sort((a, b) => b - a));
  });
});
