import type { Argv, CommandModule } from 'yargs';
import { cliPid } from '../addr.js';
import { UsageError } from '../errors.js';
import { printJson, printLine } from '../output.js';
import { KEEP_STOPPED, onTarget } from '../target.js';

interface BtArgs {
  'proc-root'?: string;
  via?: string | string[];
  pid?: string;
  tid?: string;
  'past-main'?: boolean;
  'keep-stopped'?: boolean;
  all?: boolean;
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
      .option('all', { type: 'boolean', describe: 'every thread, highest number first (gdb\'s thread apply all bt), in one stop' })
      .option('keep-stopped', KEEP_STOPPED)
      .option('json', { type: 'boolean', describe: 'print {pid, tid, frames: [{pc, symbol, offset, module, how}]} ({pid, threads: [{num, tid, lines, data}]} with --all)' }) as unknown as Argv<BtArgs>,
  handler: async (argv) => {
    const pid = cliPid(argv.pid);
    const tid = argv.tid === undefined ? undefined : cliPid(argv.tid, 'thread id');
    if (argv.all && tid !== undefined) throw new UsageError('bt: --all and --tid exclude each other');
    const { runCommand } = await import('../../commands/commands.js');
    const { backtraceCommand } = await import('../../commands/frame-cmds.js');
    const { formatThreadApply, threadApply } = await import('../../commands/thread-cmds.js');
    const { Client } = await import('../../commands/client.js');
    const btArgs = { pastMain: argv['past-main'] === true };
    await onTarget(argv, pid, async (s) => {
      const c = new Client(s);
      if (argv.all) {
        // gdb's `thread apply all bt`, the table's backtrace in each thread.
        const all = await threadApply(c, ['all', 'bt'], () => runCommand(c, backtraceCommand, btArgs));
        if (argv.json) printJson({ pid, threads: all.data });
        else printLine(formatThreadApply(all).join('\n'));
        return;
      }
      const out = await runCommand(c, backtraceCommand, btArgs);
      if (argv.json) printJson({ pid, ...out.data });
      else printLine(out.lines.join('\n'));
    }, { kind: 'inspect', keepStopped: argv['keep-stopped'] === true, ...(tid === undefined ? {} : { tid }) });
  },
};
