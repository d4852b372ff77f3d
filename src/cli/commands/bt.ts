import type { Argv, CommandModule } from 'yargs';
import { cliPid } from '../addr.js';
import { printJson, printLine } from '../output.js';
import { KEEP_STOPPED, onTarget } from '../target.js';

interface BtArgs {
  'proc-root'?: string;
  via?: string | string[];
  pid?: string;
  tid?: string;
  'past-main'?: boolean;
  'keep-stopped'?: boolean;
  json?: boolean;
}

/**
 * `pdbg bt PID`: the call stack of a thread by CFI unwinding, one frame a line,
 * `#N 0xPC NAME+OFF (MODULE)` or `#N 0xPC ?? (MODULE+0xOFF)`; the target is left as found
 * (a running one runs on) unless --keep-stopped.
 */
export const btCommand: CommandModule<object, BtArgs> = {
  command: 'bt <pid>',
  aliases: ['backtrace'],
  describe: 'print the call stack of a thread (CFI unwinding); the target is left as found',
  builder: (y: Argv) =>
    y
      .positional('pid', { type: 'string', describe: 'process id' })
      .option('tid', { type: 'string', describe: 'thread (default: the thread the last one-shot command stopped in, else the main thread)' })
      .option('past-main', { type: 'boolean', describe: "go on past main into libc's start-up" })
      .option('keep-stopped', KEEP_STOPPED)
      .option('json', { type: 'boolean', describe: 'print {pid, tid, frames: [{pc, symbol, offset, module, how}]}' }) as unknown as Argv<BtArgs>,
  handler: async (argv) => {
    const pid = cliPid(argv.pid);
    const tid = argv.tid === undefined ? undefined : cliPid(argv.tid, 'thread id');
    const { findCommand } = await import('../../debugger/commands.js');
    await onTarget(argv, pid, async (s) => {
      const out = await findCommand('backtrace')!.run(s, argv['past-main'] ? ['-past-main'] : []);
      if (argv.json) printJson({ pid, ...(out.data as object) });
      else printLine(out.lines.join('\n'));
    }, { kind: 'inspect', keepStopped: argv['keep-stopped'] === true, ...(tid === undefined ? {} : { tid }) });
  },
};
