import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { ProcfsError } from '../procfs/errors.js';
import { agentBundle, type AgentBundle } from './bundle.js';
import type { Chain, Hop } from './hops.js';
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
  /** The near end of the chain (ssh, sudo, sh…): killing it cuts the chain. */
  readonly child: ChildProcess;
  /** The end of the chain's stderr (its last lines): why it ended, when it ends. */
  stderrTail(): string;
  /** Ends the agent's stdin and waits for the chain to exit (killed after `graceMs`). */
  close(graceMs?: number): Promise<void>;
}

const TAIL = 4096;

function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? '';
}

function exitText(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `killed by ${signal}` : `exit status ${code}`;
}

interface Started {
  child: ChildProcess;
  marker: string;
  tail: () => string;
}

/** Spawns a near argv with piped stdio; rejects with one line when it cannot start. */
function startNear(argv: readonly string[], label: string): { child: ChildProcess; tail: () => string; closed: Promise<[number | null, NodeJS.Signals | null]> } {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err = (err + d.toString('utf8')).slice(-TAIL);
  });
  // A far side that dies before reading stdin must not kill pdbg with EPIPE.
  child.stdin!.on('error', () => {});
  const closed = new Promise<[number | null, NodeJS.Signals | null]>((res) => {
    child.on('error', (e) => {
      err += `\n${argv[0]}: ${e.message}`;
      res([127, null]);
    });
    child.on('close', (code, signal) => res([code, signal]));
  });
  void label;
  return { child, tail: () => err, closed };
}

/**
 * The first `pdbg-agent-…` line of the far side's stdout; lines before it (a chatty login
 * script) are skipped. What follows the line is put back for the protocol.
 */
function readMarker(child: ChildProcess, closed: Promise<[number | null, NodeJS.Signals | null]>, tail: () => string, label: string): Promise<string> {
  const out = child.stdout!;
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const done = (): void => {
      out.off('data', onData);
      out.off('end', onEnd);
    };
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10)) {
        const line = buf.subarray(0, nl).toString('utf8').replace(/\r$/, '');
        buf = buf.subarray(nl + 1);
        if (line.startsWith('pdbg-agent-')) {
          done();
          out.pause();
          if (buf.length) out.unshift(buf);
          resolve(line);
          return;
        }
      }
      if (buf.length > 65536) {
        done();
        child.kill('SIGKILL');
        reject(new ProcfsError('EPROTO', `via ${label}: the far side printed 64 KiB before the agent started (a login script writing to stdout?)`));
      }
    };
    const onEnd = (): void => {
      done();
      void closed.then(([code, signal]) => {
        const why = lastLine(tail());
        reject(new ProcfsError('EIO', `via ${label}: ${why || `the chain ended (${exitText(code, signal)}) before the agent started`}`));
      });
    };
    out.on('data', onData);
    out.on('end', onEnd);
  });
}

/** Sends the bundle through the chain into the far cache (the far side had no agent of this hash). */
async function install(wrap: Wrap, b: AgentBundle, label: string): Promise<void> {
  const { child, tail, closed } = startNear(wrap(installArgv(b)), label);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stdin!.end(b.tar);
  const [code, signal] = await closed;
  if (code !== 0 || !out.includes(INSTALLED)) {
    throw new ProcfsError('EIO', `via ${label}: could not install the agent: ${lastLine(tail()) || exitText(code, signal)}`);
  }
}

/**
 * Starts `pdbg ARGS` on the far side of `wrap`: an installed pdbg of this version, or the
 * cached bundle, shipped first when the far side has neither.
 */
async function startAgent(wrap: Wrap, args: readonly string[], label: string): Promise<Started & { closed: Promise<[number | null, NodeJS.Signals | null]> }> {
  const b = agentBundle();
  for (let attempt = 0; ; attempt++) {
    const { child, tail, closed } = startNear(wrap(probeArgv(b, args)), label);
    const marker = await readMarker(child, closed, tail, label);
    if (marker === READY) return { child, marker, tail, closed };
    await closed;
    if (marker !== NEED || attempt > 0) {
      throw new ProcfsError('EPROTO', `via ${label}: the far side said '${marker}' instead of starting the agent`);
    }
    await install(wrap, b, label);
  }
}

/** Runs `pdbg ARGS` through the chain to completion and returns its stdout (jls --json). */
export async function runAgent(wrap: Wrap, args: readonly string[], label: string): Promise<string> {
  const { child, tail, closed } = await startAgent(wrap, args, label);
  child.stdin!.end();
  const chunks: Buffer[] = [];
  child.stdout!.on('data', (d: Buffer) => chunks.push(d));
  child.stdout!.resume();
  const [code, signal] = await closed;
  if (code !== 0) throw new ProcfsError('EIO', `via ${label}: pdbg ${args.join(' ')}: ${lastLine(tail()) || exitText(code, signal)}`);
  return Buffer.concat(chunks).toString('utf8');
}

interface ListedJail {
  jid: number | null;
  hostname: string;
  pids: number[];
}

/** A jail hop's target as the previous side sees it: the jail's processes, lowest first (see wrap.ts). */
async function resolveJail(wrap: Wrap, hop: Extract<Hop, { kind: 'jail' }>, label: string, where: string): Promise<number[]> {
  const text = await runAgent(wrap, ['jls', '--json'], label);
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
export async function chainWrap(chain: Chain): Promise<Wrap> {
  let wrap = direct;
  let where = 'this machine';
  for (const [i, hop] of chain.hops.entries()) {
    const inner = hop.kind === 'jail'
      ? wrapHop({ kind: 'jail-pids', pids: await resolveJail(wrap, hop, chain.text, where) })
      : wrapHop(hop);
    wrap = compose(wrap, inner);
    where = chain.text.split(',').slice(0, i + 1).join(',');
  }
  return wrap;
}

/** Establishes a chain and starts `pdbg serve --stdio` at its far end. */
export async function openAgent(chain: Chain, args: readonly string[] = ['serve', '--stdio']): Promise<AgentLink> {
  const wrap = await chainWrap(chain);
  const { child, tail, closed } = await startAgent(wrap, args, chain.text);
  return {
    label: chain.text,
    input: child.stdin!,
    output: child.stdout!,
    child,
    stderrTail: tail,
    async close(graceMs = 3000) {
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await closed;
      clearTimeout(timer);
    },
  };
}
