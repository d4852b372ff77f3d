import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Argv } from 'yargs';
import { isDying } from '../procfs/exit-guard.js';
import { commands } from './commands/index.js';
import { reportError, UsageError } from './errors.js';
import { GLOBAL_OPTIONS } from './global-options.js';
import { watchOutput } from './output.js';

// yargs 17 through require: its CJS build loads in ~27 ms, yargs 18's ESM build in ~128 ms (measured
// here), and start-up is most of what a `pdbg ps` costs.
const yargs = createRequire(import.meta.url)('yargs/yargs') as (args: string[]) => Argv;

function packageVersion(): string {
  const pkg = new URL('../../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

/**
 * yargs renders the whole help text on every run of a command, before its handler's first
 * await, to have it ready should the handler fail later (~8 ms unloaded, up to 30 ms on a busy
 * machine: the largest part of what yargs costs a `pdbg ps`). pdbg's fail() throws instead of
 * printing help, so that text is never shown: the cache is made a no-op. `getInternalMethods`
 * is yargs 17's own; should a later yargs lack it, nothing changes but the time.
 */
function skipHelpCache(cli: Argv): void {
  const internal = (cli as unknown as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } }).getInternalMethods?.();
  const usage = internal?.getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}

/** Runs the CLI; sets process.exitCode (never throws, never prints a stack). */
export async function main(argv: string[]): Promise<void> {
  watchOutput();
  const cli = yargs(argv)
    .scriptName('pdbg')
    .usage('pdbg — a process debugger on the procfs model\n\nUsage: pdbg <command> [options]')
    .option('proc-root', GLOBAL_OPTIONS['proc-root'])
    .option('via', GLOBAL_OPTIONS.via)
    .command(commands())
    .demandCommand(1, 'pdbg: name a command (pdbg --help lists them)')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    // `pdbg --version`: a chain uses a far pdbg as its agent only when this prints the same.
    .version(packageVersion())
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((msg, err) => {
      throw err ?? new UsageError(msg.replace(/^pdbg: /, ''));
    });
  skipHelpCache(cli);
  try {
    await cli.parseAsync();
  } catch (err) {
    // A signal is ending pdbg: the exit guard releases the target and writes the one line.
    if (isDying()) return;
    process.exitCode = reportError(err);
  }
}
