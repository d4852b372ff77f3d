/**
 * One-shot commands act on the thread the previous one stopped in: `pdbg run --until tick` hits
 * in a worker thread, and the `regs`, `step` after it are about that thread, as gdb's would be.
 * `--tid` chooses another; a record that no longer matches (the thread moved) is ignored.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { pdbg } from './helpers/cli.js';
import { liveOk } from './helpers/root.js';
import { startTracee, type Tracee } from './helpers/tracee.js';

const live = liveOk('one-shot thread continuity');
const tracees: Tracee[] = [];
afterAll(() => {
  for (const t of tracees) t.kill();
});

function json(args: string[]): Record<string, unknown> {
  const r = pdbg([...args, '--json']);
  if (r.status !== 0) throw new Error(`pdbg ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe.skipIf(!live)('one-shot thread continuity', () => {
  it('regs and step after a breakpoint hit in a worker thread are about that thread; --tid picks another', async () => {
    const t = await startTracee('threadhit');
    tracees.push(t);
    const m = await t.waitFor(/ready (\d+) (\d+)/);
    const pid = Number(m[1]);
    const worker = Number(m[2]);
    const hit = json(['run', String(pid), '--until', 'tick']);
    expect(hit).toMatchObject({ kind: 'breakpoint', tid: worker });
    expect(hit.where).toMatch(/<tick>$/);
    const regs = json(['regs', String(pid)]) as { tid: number; regs: Record<string, string> };
    expect(regs.tid).toBe(worker);
    expect(BigInt(regs.regs.rip!)).toBe(BigInt(hit.pc as string));
    const main = json(['regs', String(pid), '--tid', String(pid)]) as { tid: number; regs: Record<string, string> };
    expect(main.tid).toBe(pid);
    expect(main.regs.rip).not.toBe(regs.regs.rip);
    // The --tid choice did not move the record: the worker is still the one a bare step steps.
    const step = json(['step', String(pid)]);
    expect(step).toMatchObject({ kind: 'step', tid: worker });
    expect(BigInt(step.pc as string)).toBeGreaterThan(BigInt(hit.pc as string));
    const again = json(['regs', String(pid)]) as { tid: number; regs: Record<string, string> };
    expect(again.tid).toBe(worker);
    expect(again.regs.rip).toBe(step.pc);
  });

  it('a record whose thread has moved on since is ignored: the main thread again', async () => {
    const t = await startTracee('threadhit');
    tracees.push(t);
    const m = await t.waitFor(/ready (\d+) (\d+)/);
    const pid = Number(m[1]);
    const worker = Number(m[2]);
    expect(json(['run', String(pid), '--until', 'tick'])).toMatchObject({ tid: worker });
    // Let it run a while outside pdbg: the worker is no longer at tick.
    process.kill(pid, 'SIGCONT');
    await new Promise((r) => setTimeout(r, 50));
    const regs = json(['regs', String(pid)]) as { tid: number };
    expect(regs.tid).toBe(pid);
  });
});
