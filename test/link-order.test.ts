/**
 * Names resolve as the dynamic linker binds them (issue 18 §2): an interposing allocator
 * (jemalloc, preloaded or linked) defines `malloc` before libc in the link map, so `break` and
 * `trace` must land on its definition, as gdb's dprintf does; `SYM@LIB` and `'LIB'::SYM` pick
 * another; `info symbol` agrees. Before: pdbg walked maps (address) order, found libc's and
 * counted 0 calls.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pdbg, pdbgAsync } from './helpers/cli.js';
import { liveOk } from './helpers/root.js';
import { buildTarget, procState } from './helpers/targets.js';

const JEMALLOC = '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2';
const haveJemalloc = existsSync(JEMALLOC);
if (!haveJemalloc) console.log(`link-order: skipped: no ${JEMALLOC} (scripts/system-deps.sh installs redis-server, which brings it)`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pids: number[] = [];
afterAll(() => {
  for (const p of pids) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

const CALLS = 300;

/** The mallocs target under LD_PRELOAD=jemalloc, waiting on stdin; `go()` runs its loop, `end()` lets it exit. */
async function preloaded(): Promise<{ pid: number; go: () => void; done: () => Promise<void>; end: () => void; exited: Promise<void> }> {
  const child = spawn(buildTarget('mallocs'), [String(CALLS)], { stdio: ['pipe', 'pipe', 'ignore'], env: { ...process.env, LD_PRELOAD: JEMALLOC } });
  pids.push(child.pid!);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  for (let k = 0; k < 400 && !out.includes('ready'); k++) await sleep(25);
  expect(out).toContain('ready');
  return {
    pid: child.pid!,
    go: () => child.stdin!.write('x'),
    done: async () => {
      for (let k = 0; k < 800 && !out.includes('done'); k++) await sleep(25);
      expect(out).toContain('done');
    },
    end: () => child.stdin!.end(),
    exited,
  };
}

async function tracedBy(pid: number, tracer: number): Promise<void> {
  for (let k = 0; k < 800 && procState(pid).tracerPid !== tracer; k++) await sleep(25);
  expect(procState(pid).tracerPid).toBe(tracer);
}

describe.runIf(liveOk('link-order') && haveJemalloc)('names resolve in the dynamic linker\'s order', () => {
  it('pdbg trace malloc under LD_PRELOAD=jemalloc counts what gdb\'s dprintf malloc counts', async () => {
    // gdb, the oracle: one line per call into the malloc that calls reach.
    const g = await preloaded();
    const gdb = spawn('gdb', ['-batch', '-nx', '-p', String(g.pid), '-ex', 'dprintf malloc,"M\\n"', '-ex', 'continue'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let gout = '';
    gdb.stdout!.setEncoding('utf8').on('data', (d: string) => (gout += d));
    const gdbDone = new Promise<void>((r) => gdb.on('exit', () => r()));
    await tracedBy(g.pid, gdb.pid!);
    // gdb's `continue` has resumed it once it is no longer in a trace stop.
    for (let k = 0; k < 400 && procState(g.pid).state === 't'; k++) await sleep(25);
    await sleep(300);
    g.go();
    await g.done();
    g.end();
    await gdbDone;
    const gdbCount = (gout.match(/^M$/gm) ?? []).length;
    expect(gdbCount).toBeGreaterThanOrEqual(CALLS);

    const p = await preloaded();
    const t = pdbgAsync(['trace', String(p.pid), 'malloc', '--count']);
    await tracedBy(p.pid, t.child.pid!);
    for (let k = 0; k < 400 && !/tracing|planted|malloc/.test(t.stderr()) && procState(p.pid).state === 't'; k++) await sleep(25);
    await sleep(300);
    p.go();
    await p.done();
    p.end();
    const r = await t.done;
    const m = /^\s*(\d+)\s+malloc\b/m.exec(r.stderr) ?? /\bmalloc\s+(\d+)/m.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    expect(Number(m![1])).toBe(gdbCount);
  });

  it('break malloc lands in jemalloc and says libc defines it too; malloc@libc and \'libc.so.6\'::malloc pick libc\'s; info symbol agrees', async () => {
    const p = await preloaded();
    const r = pdbg(['script', String(p.pid), '-'], {
      input: "break malloc\ninfo symbol malloc\ninfo symbol malloc@libc\nbreak 'libc.so.6'::free\ndelete 1 2\n",
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/also defined in libc\.so\.6/);
    expect(r.stdout).toMatch(/^malloc in section \.text of \S*libjemalloc\.so\.2$/m);
    expect(r.stdout).toMatch(/^malloc in section \.text of \S*libc\.so\.6$/m);
    // gdb names the address pdbg planted breakpoint 2 at: libc's free.
    const planted = /^breakpoint 2 at (0x[0-9a-f]+) <free>$/m.exec(r.stdout);
    expect(planted, r.stdout).not.toBeNull();
    const g = spawnSync('gdb', ['-batch', '-nx', '-p', String(p.pid), '-ex', `info symbol ${planted![1]}`], { encoding: 'utf8' });
    expect(g.stdout).toMatch(/^free in section \.text of \S*libc\.so\.6$/m);
    p.end();
  });

  it('an exported function beats a static data object of the same name in an earlier library', async () => {
    // liba.so (first in the link map) has a static data object `tf` (as libc's debug file has one); libb.so exports the function `tf`.
    const dir = mkdtempSync(join(tmpdir(), 'pdbg-link-order-'));
    writeFileSync(join(dir, 'a.c'), 'static int tf = 7;\nint a_only(void) { return tf; }\n');
    writeFileSync(join(dir, 'b.c'), 'int tf(int x) { return x + 1; }\n');
    writeFileSync(join(dir, 'main.c'), '#include <stdio.h>\n#include <unistd.h>\nint tf(int);\nint a_only(void);\nint main(void) { printf("ready\\n"); fflush(stdout); for (;;) { tf(a_only()); usleep(1000); } }\n');
    execFileSync('gcc', ['-shared', '-fPIC', '-o', join(dir, 'liba.so'), join(dir, 'a.c')]);
    execFileSync('gcc', ['-shared', '-fPIC', '-o', join(dir, 'libb.so'), join(dir, 'b.c')]);
    
    execFileSync('gcc', ['-o', join(dir, 'main'), join(dir, 'main.c'), `-L${dir}`, '-la', '-lb', `-Wl,-rpath,${dir}`]);
    const child = spawn(join(dir, 'main'), [], { stdio: ['ignore', 'pipe', 'ignore'] });
    pids.push(child.pid!);
    await new Promise<void>((r) => child.stdout!.once('data', () => r()));
    const r = pdbg(['script', String(child.pid), '-'], { input: 'break tf\ncontinue\nbt 1\n' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^breakpoint 1 at 0x[0-9a-f]+ <tf>$/m);
    expect(r.stdout).toMatch(/^#0 0x[0-9a-f]+ tf \(libb\.so\)$/m);
  });
});
