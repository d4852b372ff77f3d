/**
 * Taking out the int3 bytes a client left when it went away (a cut connection to the agent, a
 * debugger over a mount killed by SIGKILL), as the engine would have: the server sees only
 * the journal (journal.ts), never the engine's breakpoint table. Shared by the agent and the
 * mount's controller release. Every call is bounded: a target that will not answer must not
 * hold a release for ever.
 */
import { isBreakpointAt, trapAddress } from '../arch/arch.js';
import { HOST_ARCH } from '../arch/host.js';
import { pcNumber, REGS_SIZE, setPc } from '../engine/regfile.js';
import type { ProcFs } from '../procfs/source.js';
import type { ReleaseJournal, Restore } from './journal.js';

/** `p`, or undefined once `ms` have passed. */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<undefined>((res) => (timer = setTimeout(() => res(undefined), ms)))]).finally(() => clearTimeout(timer));
}

/**
 * A thread stopped just past one of the journal's int3 bytes (a hit the client never saw, or saw
 * and did not handle) gets its pc back on the instruction, which never ran. A pc the client put
 * there itself (a rewind, an emulated one-byte instruction: the journal says it wrote the
 * registers since the stop) or moved on from is left alone.
 */
export async function rewindPastTrap(fs: ProcFs, pid: number, journal: ReleaseJournal, ms: number): Promise<void> {
  const restores = journal.restores(pid);
  if (restores.length === 0) return;
  const why = await withTimeout(fs.read(pid, 'why').catch(() => undefined), ms);
  const m = why && /^stopped (\d+) trap 0x([0-9a-f]+)/.exec(why.toString('latin1'));
  if (!m) return;
  const tid = Number(m[1]);
  const after = BigInt(`0x${m[2]}`);
  const at = trapAddress(HOST_ARCH, after);
  if (!restores.some((r) => r.addr === at) || journal.regsSetSinceStop(pid, tid)) return;
  const regs = Buffer.alloc(REGS_SIZE);
  const n = await withTimeout(fs.readInto(pid, 'regs', regs, { tid }).catch(() => 0), ms);
  if (n !== REGS_SIZE || BigInt(pcNumber(regs)) !== after) return;
  setPc(regs, Number(at));
  await withTimeout(fs.write(pid, 'regs', regs, { tid }).catch(() => undefined), ms);
}

/** The restores whose byte is still an int3 (where the byte can be read at all). */
export async function stillPlanted(fs: ProcFs, pid: number, list: readonly Restore[], ms: number): Promise<Restore[]> {
  const out: Restore[] = [];
  for (const r of list) {
    const b = await withTimeout(fs.read(pid, 'mem', { offset: r.addr, length: 1 }).catch(() => undefined), ms);
    if (b && b.length === 1 && !isBreakpointAt(HOST_ARCH, b)) continue;
    out.push(r);
  }
  return out;
}
