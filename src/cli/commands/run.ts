import type { Argv, CommandModule } from 'yargs';
import { cliPid, cliWhere } from '../addr.js';
import { printJson, printLine } from '../output.js';
import { isDying } from '../../procfs/exit-guard.js';
import { onTarget } from '../target.js';

interface RunArgs {
  'proc-root'?: string;
  via?: string | string[];
  pid?: string;
  until?: string;
  json?: boolean;
}

/**
 * `pdbg run PID [--until ADDR|SYMBOL]`: like gdb's continue. Resumes the process and waits for
 * its next stop (the --until address, a signal) and leaves it stopped there, or reports its
 * exit. Killed meanwhile (SIGTERM, Ctrl-C), pdbg lifts its breakpoint and lets the target run on.
 */
export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run <pid>',
  describe: 'resume a process until it stops (or --until an address/symbol) or exits',
  builder: (y: Argv) =>
    y
      .positional('pid', { type: 'string', describe: 'process id' })
      .option('until', { type: 'string', describe: 'stop at this address or symbol (a temporary breakpoint)' })
      .option('json', { type: 'boolean', describe: 'print the stop as an object' }) as unknown as Argv<RunArgs>,
  handler: async (argv) => {
    const pid = cliPid(argv.pid);
    const until = argv.until === undefined ? undefined : cliWhere(argv.until);
    const { runCommand } = await import('../../commands/commands.js');
    const { continueCommand, untilCommand } = await import('../../commands/run-cmds.js');
    const { stopResult, formatStop } = await import('../../commands/stop-result.js');
    const { Client } = await import('../../commands/client.js');
    await onTarget(argv, pid, async (s) => {
      const c = new Client(s);
      // Interrupted while it runs, the target goes on running: that is what was asked of it.
      const promised = s.onRelease;
      s.onRelease = 'running';
      const { result } = until === undefined ? await runCommand(c, continueCommand, undefined) : await runCommand(c, untilCommand, until);
      s.onRelease = promised;
      // Signalled meanwhile: the target was let go running, and the exit guard says so.
      if (isDying()) return;
      await s.loadSymbols();
      // Described once the symbols are loaded (the stop came before they were read).
      const r = stopResult(s, result.stop);
      if (argv.json) printJson({ pid, ...r.data });
      else printLine(formatStop(r).join('\n'));
    });
  },
};
