/**
 * The DESCRIBE message of the remote protocol (protocol.ts): a listing in one round trip, with
 * what the status line cannot carry (Linux's one-letter state, the jail id, argv). Before it, a
 * listing through `--via` read each process's status node with a request of its own and had no
 * state: ps's STAT column was `-` for every process.
 *
 *   req: u32 n, n × u32 pid, u8 wants (1 jid, 2 args, 4 wchan, 8 creds)
 *   ok:  u32 n, n × entry
 *        entry = u32 pid, u8 0, bytes status line, opt u64 jid, opt str state, opt (u32 m, m × str) args
 *              | u32 pid, u8 1, str errno name, str message   (one process that could not be read)
 */
import { ParseError, ProcfsError } from '../procfs/errors.js';
import type { ListWants, ProcessInfo } from '../procfs/process-info.js';
import { formatStatus, parseStatusBytes } from '../procfs/status.js';

/** What of protocol.ts's Encoder this codec writes with (declared here: protocol.ts imports this file). */
interface Encoder {
  u8(v: number): unknown;
  u32(v: number): unknown;
  u64(v: number | bigint): unknown;
  bytes(v: Uint8Array): unknown;
  str(v: string): unknown;
  opt<T>(v: T | undefined, put: (v: T) => void): unknown;
}

/** And of its Decoder; `fail` ends the session with a ProtocolError. */
interface Decoder {
  u8(): number;
  u32(): number;
  safe(): number;
  bytes(): Buffer;
  str(): string;
  opt<T>(get: () => T): T | undefined;
  fail(message: string): never;
}

/** One answered pid: its description, or the error its entry got. */
export type DescribeEntry = ProcessInfo | { pid: number; error: ProcfsError | ParseError };

const MAX_PIDS = 1 << 22;

export function putDescribeRequest(e: Encoder, pids: readonly number[], want: ListWants): void {
  e.u32(pids.length);
  for (const p of pids) e.u32(p);
  e.u8((want.jid ? 1 : 0) | (want.args ? 2 : 0) | (want.wchan ? 4 : 0) | (want.creds !== false ? 8 : 0));
}

export function getDescribeRequest(d: Decoder): { pids: number[]; want: ListWants } {
  const n = d.u32();
  if (n > MAX_PIDS) d.fail('too many pids');
  const pids: number[] = [];
  for (let i = 0; i < n; i++) pids.push(d.u32());
  const w = d.u8();
  return { pids, want: { jid: (w & 1) !== 0, args: (w & 2) !== 0, wchan: (w & 4) !== 0, creds: (w & 8) !== 0 } };
}

export function putDescribeReply(e: Encoder, entries: readonly DescribeEntry[]): void {
  e.u32(entries.length);
  for (const x of entries) {
    e.u32(x.pid);
    if ('error' in x) {
      const code = x.error instanceof ProcfsError ? String(x.error.code) : 'EINVAL';
      e.u8(1);
      e.str(code);
      e.str(x.error.message);
      continue;
    }
    // The status line is the node's own format: its parser is the one the client already trusts.
    e.u8(0);
    e.bytes(Buffer.from(formatStatus(x.status), 'latin1'));
    e.opt(x.jid ?? undefined, (v) => e.u64(v));
    e.opt(x.state ?? undefined, (v) => e.str(v));
    e.opt(x.args ?? undefined, (a) => {
      e.u32(a.length);
      for (const s of a) e.str(s);
    });
  }
}

export function getDescribeReply(d: Decoder): DescribeEntry[] {
  const n = d.u32();
  if (n > MAX_PIDS) d.fail('too many entries');
  const out: DescribeEntry[] = [];
  for (let i = 0; i < n; i++) {
    const pid = d.u32();
    const tag = d.u8();
    if (tag === 1) {
      out.push({ pid, error: new ProcfsError(d.str(), d.str(), pid, 'status') });
      continue;
    }
    if (tag !== 0) d.fail(`bad entry tag ${tag}`);
    const line = Buffer.from(d.bytes());
    const jid = d.opt(() => d.safe());
    const state = d.opt(() => d.str());
    const args = d.opt(() => {
      const m = d.u32();
      if (m > MAX_PIDS) d.fail('too many arguments');
      const a: string[] = [];
      for (let j = 0; j < m; j++) a.push(d.str());
      return a;
    });
    let status;
    try {
      status = parseStatusBytes(line);
    } catch (err) {
      // A far side's tree with a malformed status line: that entry's error, as a local listing has it.
      if (err instanceof ParseError) {
        out.push({ pid, error: err });
        continue;
      }
      throw err;
    }
    out.push({ pid, status, jid: jid ?? null, state: state ?? null, args: args ?? null });
  }
  return out;
}
