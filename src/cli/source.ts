import type { ProcFs } from '../procfs/source.js';
import { UsageError } from './errors.js';

/** The global options that name where processes come from. */
export interface SourceArgs {
  /** A directory tree instead of the live /proc (on the far side, with --via). */
  readonly 'proc-root'?: string | undefined;
  /** `--via` chains: one string, or several when the option is repeated (fan-out). */
  readonly via?: string | readonly string[] | undefined;
}

/** True when the source is another machine's or namespace's: local pids mean nothing there. */
export async function isRemote(argv: SourceArgs): Promise<boolean> {
  const { chainsOf } = await import('../chain/hops.js');
  return chainsOf(argv.via).length > 0;
}

function agentArgs(argv: SourceArgs): string[] {
  // --proc-root with --via names a tree on the far side: the agent serves it.
  return ['serve', '--stdio', ...(argv['proc-root'] !== undefined ? ['--proc-root', argv['proc-root']] : [])];
}

/**
 * The source every command reads: the local one (openProcFs, --proc-root) or, with --via or
 * PDBG_VIA, the agent at the far end of the chain. One chain only: fan-out is openSources.
 */
export async function openSource(argv: SourceArgs): Promise<ProcFs> {
  const { chainsOf } = await import('../chain/hops.js');
  const chains = chainsOf(argv.via);
  if (chains.length === 0) {
    const { openProcFs } = await import('../procfs/sources/open.js');
    return openProcFs(argv['proc-root']);
  }
  if (chains.length > 1) throw new UsageError('--via: only ps lists several chains at once; give one --via for this command');
  const { openAgent } = await import('../chain/establish.js');
  const { remoteProcFs } = await import('../chain/remote.js');
  return remoteProcFs(await openAgent(chains[0]!, agentArgs(argv)));
}

/** One chain of a fan-out: its source, or why it could not be reached. */
export type FanSource = { readonly host: string; readonly fs: ProcFs } | { readonly host: string; readonly error: unknown };

/**
 * Every `--via` chain opened in parallel (`pdbg ps --via a --via b`); an unreachable one is an
 * entry with its error, so the caller lists the others. Null without --via: a plain local listing.
 */
export async function openSources(argv: SourceArgs): Promise<FanSource[] | null> {
  const { chainsOf } = await import('../chain/hops.js');
  const chains = chainsOf(argv.via);
  if (chains.length <= 1) return null;
  const { openAgent } = await import('../chain/establish.js');
  const { remoteProcFs } = await import('../chain/remote.js');
  return Promise.all(chains.map(async (c): Promise<FanSource> => {
    try {
      return { host: c.text, fs: await remoteProcFs(await openAgent(c, agentArgs(argv))) };
    } catch (error) {
      return { host: c.text, error };
    }
  }));
}
