import { isIPv6 } from 'node:net';
import { UsageError } from '../procfs/errors.js';

/** One boundary a chain crosses; each is established by running a command through the previous ones. */
export type Hop =
  | { readonly kind: 'ssh'; readonly user?: string; readonly host: string; readonly port?: number }
  | { readonly kind: 'sudo'; readonly user?: string }
  /** A jail as the previous hop's side lists it: by jid (UTS namespace inode) or by hostname. */
  | { readonly kind: 'jail'; readonly jid?: number; readonly name?: string }
  | { readonly kind: 'nsenter'; readonly pid: number };

/** A `--via` value: its hops, nearest first, and its text (the HOST column of a fan-out). */
export interface Chain {
  readonly text: string;
  readonly hops: readonly Hop[];
}

const SYNTAX = 'hops are ssh:[USER@]HOST[:PORT] (an IPv6 HOST in brackets: [::1]), sudo[:USER], jail:NAME|JID, nsenter:PID, separated by commas';

// Names that reach a far command line: never empty, never option-like, no shell or ssh syntax.
const USER_RE = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/;
const HOST_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const SUDO_USER_RE = /^(#\d+|[A-Za-z0-9_.][A-Za-z0-9_.-]*)$/;

function bad(text: string, why: string): UsageError {
  return new UsageError(`--via: bad hop '${text}': ${why} (${SYNTAX})`);
}

function parsePort(text: string, p: string): number {
  const n = /^\d{1,5}$/.test(p) ? Number(p) : NaN;
  if (!(n >= 1 && n <= 65535)) throw bad(text, `port '${p}' is not 1..65535`);
  return n;
}

function parseSsh(text: string, rest: string): Hop {
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (!USER_RE.test(user)) throw bad(text, `user '${user}' is not a plain user name`);
  }
  let host: string;
  let port: number | undefined;
  if (rest.startsWith('[')) {
    // A bracketed IPv6 address (`[::1]`, `[::1]:2222`): its colons are not a port's.
    const close = rest.indexOf(']');
    if (close < 0) throw bad(text, `'${rest}' has no ']' to close its IPv6 address`);
    host = rest.slice(1, close);
    // A zone (`%eth0`) is an interface name: no other syntax rides along into ssh's argv.
    if (!isIPv6(host) || !/^[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?$/.test(host)) throw bad(text, `'${host}' in brackets is not an IPv6 address`);
    const after = rest.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) throw bad(text, `'${after}' after ']' is not :PORT`);
      port = parsePort(text, after.slice(1));
    }
  } else {
    const colon = rest.indexOf(':');
    host = colon < 0 ? rest : rest.slice(0, colon);
    if (!HOST_RE.test(host)) throw bad(text, host === '' ? 'no host' : `host '${host}' is not a host name or address`);
    if (colon >= 0) port = parsePort(text, rest.slice(colon + 1));
  }
  return { kind: 'ssh', host, ...(user !== undefined ? { user } : {}), ...(port !== undefined ? { port } : {}) };
}

/** One hop's text. A jail name is any text but a comma: it is matched, never run. */
export function parseHop(text: string): Hop {
  const colon = text.indexOf(':');
  const kind = colon < 0 ? text : text.slice(0, colon);
  const rest = colon < 0 ? undefined : text.slice(colon + 1);
  switch (kind) {
    case 'ssh':
      if (rest === undefined || rest === '') throw bad(text, 'ssh needs a host');
      return parseSsh(text, rest);
    case 'sudo':
      if (rest === undefined) return { kind: 'sudo' };
      if (!SUDO_USER_RE.test(rest)) throw bad(text, `user '${rest}' is not a user name or #UID`);
      return { kind: 'sudo', user: rest };
    case 'jail':
      if (rest === undefined || rest === '') throw bad(text, 'jail needs a name or a jid');
      return /^\d+$/.test(rest) ? { kind: 'jail', jid: Number(rest) } : { kind: 'jail', name: rest };
    case 'nsenter':
      if (rest === undefined || !/^[1-9]\d{0,9}$/.test(rest)) throw bad(text, 'nsenter needs a pid');
      return { kind: 'nsenter', pid: Number(rest) };
    default:
      throw bad(text, `unknown hop kind '${kind}'`);
  }
}

/** A whole `--via` value: `HOP[,HOP…]`. */
export function parseChain(text: string): Chain {
  if (text.trim() === '') throw new UsageError(`--via: empty chain (${SYNTAX})`);
  return { text, hops: text.split(',').map(parseHop) };
}

/**
 * The chains a command runs through: one per `--via` (repeated for fan-out), else PDBG_VIA
 * (one chain), else none (the local source).
 */
export function chainsOf(via: string | readonly string[] | undefined, env: NodeJS.ProcessEnv = process.env): Chain[] {
  const texts = via === undefined ? (env.PDBG_VIA ? [env.PDBG_VIA] : []) : typeof via === 'string' ? [via] : via;
  return texts.map(parseChain);
}
