import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { ProcfsError } from '../procfs/errors.js';
import { agentBundle, type AgentBundle } from './bundle.js';
import type { Chain, Hop } from './hops.js';
import { chainLimits, MAX_PREAMBLE_BYTES, seconds, type ChainLimits } from './limits.js';
import { INSTALLED, NEED, probeArgv, installArgv, READY } from './ship.js';
import { compose, direct, wrapHop, type Wrap } from './wrap.js';

/** A running far agent: its protocol streams, past the ready line. */
export interface AgentLink {
  /** What the chain says it is (`ssh:web1,jail:www`): errors and the HOST column name it. */
  readonly label: string;
  /** To the agent's stdin. */
  readonly input: Writable;
  /** From the agent's stdout, starting at its first protocol byte; paused until its reader resumes it. */
  readonly output: Readable;
  /** The near end of the chain (ssh, sudo, sh…), the leader of the chain's process group. */
  readonly child: ChildProcess;
  /** The limits this chain was opened with (PDBG_VIA_TIMEOUT). */
  readonly limits: ChainLimits;
  /** Settles when the near end exits: its status, or the signal that ended it. */
  readonly exited: Promise<ChainExit>;
  /** The end of the chain's stderr (its last lines): why it ended, when it ends. */
  stderrTail(): string;
  /** Ends the agent's stdin and waits for the chain to exit (killed after `graceMs`). */
  close(graceMs?: number): Promise<void>;
  /** Tears the chain down at once: SIGKILL to its whole process group, our pipe ends dropped. */
  kill(): void;
}

/** How the chain's near end ended: `[status, null]` or `[null, signal]`. */
export type ChainExit = [number | null, NodeJS.Signals | null];

const TAIL = 4096;

function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? '';
}

/** `exit status 3`, `killed by SIGKILL`. */
export function exitText([code, signal]: ChainExit): string {
  return signal ? `killed by ${signal}` : `exit status ${code}`;
}

/** One run of a chain's near argv. */
interface Near {
  readonly child: ChildProcess;
  readonly exited: Promise<ChainExit>;
  tail(): string;
  kill(): void;
}

/**
 * Spawns a near argv with piped stdio as the leader of its own process group, so that tearing
 * the chain down reaches every local process of it (an `sh -c` of a hop, its nsenter, a
 * ProxyCommand of ssh), not just the first. pdbg's own exit still ends the chain gently: the
 * near end's stdin reaches EOF and the far agent releases its targets as on any end of input.
 */
function startNear(argv: readonly string[]): Near {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err = (err + d.toString('utf8')).slice(-TAIL);
  });
  // A far side that dies before reading stdin must not kill pdbg with EPIPE.
  child.stdin!.on('error', () => {});
  // 'exit', not 'close': a leftover process holding the chain's stdout or stderr open must not
  // hide that the near end is gone.
  const exited = new Promise<ChainExit>((res) => {
    child.on('error', (e) => {
      err += `\n${argv[0]}: ${e.message}`;
      res([127, null]);
    });
    child.on('exit', (code, signal) => res([code, signal]));
  });
  let killed = false;
  const kill = (): void => {
    // Once: a later call could find the group's number taken by somebody else's new group.
    if (killed) return;
    killed = true;
    if (child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is already gone.
      }
    }
    child.stdin!.destroy();
    child.stdout!.destroy();
    child.stderr!.destroy();
  };
  return { child, exited, tail: () => err, kill };
}

/** Resolves after `ms` (never when unbounded); unref'd, so it keeps no process alive. */
function after(ms: number | undefined): { promise: Promise<void>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((res) => {
    if (ms !== undefined) timer = setTimeout(res, ms).unref();
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

const LIMIT_HINT = 'PDBG_VIA_TIMEOUT sets the limit';

/**
 * The first `pdbg-agent-…` line of the far side's stdout; lines before it (a chatty login
 * script) are skipped, up to MAX_PREAMBLE_BYTES in all. What follows the line is put back for the
 * protocol. Any failure tears the chain down before it rejects.
 */
function readMarker(near: Near, label: string, limitMs: number | undefined): Promise<string> {
  const out = near.child.stdout!;
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let seen = 0;
    let settled = false;
    const timer = after(limitMs);
    const settle = (err: ProcfsError | undefined, line?: string): void => {
      if (settled) return;
      settled = true;
      timer.cancel();
      out.off('data', onData);
      out.off('end', onEnd);
      if (err) {
        near.kill();
        reject(err);
      } else {
        resolve(line!);
      }
    };
    const onData = (d: Buffer): void => {
      seen += d.length;
      buf = Buffer.concat([buf, d]);
      for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10)) {
        const line = buf.subarray(0, nl).toString('utf8').replace(/\r$/, '');
        buf = buf.subarray(nl + 1);
        if (line.startsWith('pdbg-agent-')) {
          out.pause();
          if (buf.length) out.unshift(buf);
          settle(undefined, line);
          return;
        }
      }
      if (seen > MAX_PREAMBLE_BYTES) {
        settle(new ProcfsError('EPROTO', `via ${label}: the far side printed ${MAX_PREAMBLE_BYTES / 1024} KiB before the agent started (a login script writing to stdout?)`));
      }
    };
    const onEnd = (): void => {
      void near.exited.then((exit) => {
        const why = lastLine(near.tail());
        settle(new ProcfsError('EIO', `via ${label}: ${why || `the chain ended (${exitText(exit)}) before the agent started`}`));
      });
    };
    void timer.promise.then(() => {
      const why = lastLine(near.tail());
      const what = seen === 0 ? 'the far side printed nothing' : `the far side printed ${seen} bytes but no pdbg-agent line`;
      settle(new ProcfsError('ETIMEDOUT', `via ${label}: ${what} in ${seconds(limitMs!)}${why ? ` (its last word: ${why})` : ''}; ${LIMIT_HINT}`));
    });
    out.on('data', onData);
    out.on('end', onEnd);
  });
}

/** Sends the bundle through the chain into the far cache (the far side had no agent of this hash). */
async function install(wrap: Wrap, b: AgentBundle, label: string, limits: ChainLimits): Promise<void> {
  const near = startNear(wrap(installArgv(b)));
  let out = '';
  near.child.stdout!.on('data', (d: Buffer) => {
    out += d.toString('utf8');
    // The install prints one line; a far side that floods instead is cut, not buffered.
    if (out.length > MAX_PREAMBLE_BYTES) near.kill();
  });
  near.child.stdin!.end(b.tar);
  const timer = after(limits.installMs);
  const exit = await Promise.race([near.exited, timer.promise.then(() => undefined)]);
  timer.cancel();
  if (exit === undefined) {
    near.kill();
    throw new ProcfsError('ETIMEDOUT', `via ${label}: installing the agent took over ${seconds(limits.installMs!)}; ${LIMIT_HINT} (the install gets ten times it)`);
  }
  if (exit[0] !== 0 || !out.includes(INSTALLED)) {
    near.kill();
    throw new ProcfsError('EIO', `via ${label}: could not install the agent: ${lastLine(near.tail()) || exitText(exit)}`);
  }
}

/**
 * Starts `pdbg ARGS` on the far side of `wrap`: an installed pdbg of this version, or the
 * cached bundle, shipped first when the far side has neither.
 */
async function startAgent(wrap: Wrap, args: readonly string[], label: string, limits: ChainLimits): Promise<Near> {
  const b = agentBundle();
  for (let attempt = 0; ; attempt++) {
    const near = startNear(wrap(probeArgv(b, args)));
    const marker = await readMarker(near, label, limits.handshakeMs);
    if (marker === READY) return near;
    // The probe exits by itself after its line; a far side that does not is cut.
    const timer = after(limits.handshakeMs);
    await Promise.race([near.exited, timer.promise]);
    timer.cancel();
    near.kill();
    if (marker !== NEED || attempt > 0) {
      throw new ProcfsError('EPROTO', `via ${label}: the far side said '${marker}' instead of starting the agent`);
    }
    await install(wrap, b, label, limits);
  }
}

/**
 * Runs `pdbg ARGS` through the chain to completion and returns its stdout (jls --json); the
 * whole run is bounded by the request limit once the agent has started.
 */
export async function runAgent(wrap: Wrap, args: readonly string[], label: string, limits: ChainLimits = chainLimits()): Promise<string> {
  const near = await startAgent(wrap, args, label, limits);
  const out = near.child.stdout!;
  near.child.stdin!.end();
  const chunks: Buffer[] = [];
  const ended = new Promise<void>((res) => out.on('end', res).on('close', res));
  out.on('data', (d: Buffer) => chunks.push(d));
  out.resume();
  const timer = after(limits.requestMs);
  const exit = await Promise.race([Promise.all([near.exited, ended]).then(([e]) => e), timer.promise.then(() => undefined)]);
  timer.cancel();
  if (exit === undefined) {
    near.kill();
    throw new ProcfsError('ETIMEDOUT', `via ${label}: pdbg ${args.join(' ')} did not finish in ${seconds(limits.requestMs!)}; ${LIMIT_HINT}`);
  }
  if (exit[0] !== 0) throw new ProcfsError('EIO', `via ${label}: pdbg ${args.join(' ')}: ${lastLine(near.tail()) || exitText(exit)}`);
  return Buffer.concat(chunks).toString('utf8');
}

interface ListedJail {
  jid: number | null;
  hostname: string;
  pids: number[];
}

/** A jail hop's target as the previous side sees it: the jail's processes, lowest first (see wrap.ts). */
async function resolveJail(wrap: Wrap, hop: Extract<Hop, { kind: 'jail' }>, label: string, where: string, limits: ChainLimits): Promise<number[]> {
  const text = await runAgent(wrap, ['jls', '--json'], label, limits);
  let jails: ListedJail[];
  try {
    jails = JSON.parse(text) as ListedJail[];
    if (!Array.isArray(jails)) throw new Error('not an array');
  } catch {
    throw new ProcfsError('EPROTO', `via ${label}: pdbg jls --json on ${where} printed no jail list`);
  }
  const want = hop.jid !== undefined ? `jid ${hop.jid}` : `'${hop.name}'`;
  const hits = jails.filter((j) => (hop.jid !== undefined ? j.jid === hop.jid : j.hostname === hop.name));
  if (hits.length === 0) throw new ProcfsError('ESRCH', `via ${label}: no jail ${want} on ${where}`);
  if (hits.length > 1) {
    throw new ProcfsError('EINVAL', `via ${label}: ${want} names ${hits.length} jails on ${where} (jids ${hits.map((j) => j.jid).join(', ')}): give a jid`);
  }
  const pids = hits[0]!.pids.filter((p) => Number.isInteger(p) && p > 0);
  if (pids.length === 0) throw new ProcfsError('ESRCH', `via ${label}: jail ${want} on ${where} has no process`);
  return pids.sort((a, b) => a - b).slice(0, 64);
}

/**
 * The Wrap of a whole chain, hop by hop: each jail is resolved by listing the jails on the side
 * its previous hops reach, so names mean what they mean there.
 */
export async function chainWrap(chain: Chain, limits: ChainLimits = chainLimits()): Promise<Wrap> {
  let wrap = direct;
  let where = 'this machine';
  for (const [i, hop] of chain.hops.entries()) {
    const inner = hop.kind === 'jail'
      ? wrapHop({ kind: 'jail-pids', pids: await resolveJail(wrap, hop, chain.text, where, limits) })
      : wrapHop(hop);
    wrap = compose(wrap, inner);
    where = chain.text.split(',').slice(0, i + 1).join(',');
  }
  return wrap;
}

/** Establishes a chain and starts `pdbg serve --stdio` at its far end. */
export async function openAgent(chain: Chain, args: readonly string[] = ['serve', '--stdio'], limits: ChainLimits = chainLimits()): Promise<AgentLink> {
  const wrap = await chainWrap(chain, limits);
  const near = await startAgent(wrap, args, chain.text, limits);
  const { child } = near;
  return {
    label: chain.text,
    input: child.stdin!,
    output: child.stdout!,
    child,
    limits,
    exited: near.exited,
    stderrTail: near.tail,
    kill: near.kill,
    async close(graceMs = 3000) {
      child.stdin!.end();
      const timer = after(graceMs);
      if ((await Promise.race([near.exited, timer.promise.then(() => undefined)])) === undefined) near.kill();
      timer.cancel();
      await near.exited;
    },
  };
}
