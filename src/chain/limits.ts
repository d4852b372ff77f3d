import { UsageError } from '../procfs/errors.js';

/**
 * How long a chain may keep pdbg waiting. A far side is anything a hop's command turns out to be
 * (a login script, a wedged sshd, a host that dropped off the network): without bounds it can
 * hold pdbg, and the targets pdbg holds, for ever without a line.
 */
export interface ChainLimits {
  /** Each run of the chain until its first `pdbg-agent-…` line, and the agent's hello. */
  readonly handshakeMs: number | undefined;
  /** The far side's silence while a request that cannot legitimately wait is outstanding. */
  readonly requestMs: number | undefined;
  /** Sending the bundle (megabytes over a slow link): ten times the handshake. */
  readonly installMs: number | undefined;
}

/** Seconds, when PDBG_VIA_TIMEOUT is not set: a few times a slow ssh login plus node's start. */
export const DEFAULT_VIA_TIMEOUT_S = 30;

/**
 * Everything a login banner or a chatty profile may print before the agent's first line. Counted
 * over the whole stream, not per line: a far side that prints short lines for ever is cut too.
 */
export const MAX_PREAMBLE_BYTES = 64 * 1024;

/** The limits PDBG_VIA_TIMEOUT (seconds, fractions allowed; 0 for none) gives. */
export function chainLimits(env: NodeJS.ProcessEnv = process.env): ChainLimits {
  const text = env.PDBG_VIA_TIMEOUT;
  let s = DEFAULT_VIA_TIMEOUT_S;
  if (text !== undefined && text !== '') {
    s = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : NaN;
    // setTimeout's range: past 2^31-1 ms (the install's ten times included) it fires at once.
    if (!(s >= 0 && s < 200_000)) throw new UsageError(`PDBG_VIA_TIMEOUT: '${text}' is not a number of seconds (0 for no limit, under 200000)`);
  }
  if (s === 0) return { handshakeMs: undefined, requestMs: undefined, installMs: undefined };
  const ms = Math.max(1, Math.round(s * 1000));
  return { handshakeMs: ms, requestMs: ms, installMs: ms * 10 };
}

/** `30 s`, `1.5 s`: a limit as the messages that name it print it. */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}
