import type { Argv, CommandModule } from 'yargs';
import { cliCount, cliPid } from '../addr.js';
import { printJson, printLine } from '../output.js';
import { onTarget } from '../target.js';

interface StepArgs {
  'proc-root'?: string;
  via?: string | string[];
  pid?: string;
  count?: string;
  tid?: string;
  json?: boolean;
}

/** `pdbg step PID [-n N]`: N instructions of one thread, then left stopped (no breakpoints). */
export const stepCommand: CommandModule<object, StepArgs> = {
  command: 'step <pid>',
  describe: 'execute N instructions of a stopped process and leave it stopped',
  builder: (y: Argv) =>
    y
      .positional('pid', { type: 'string', describe: 'process id' })
      .option('count', { alias: 'n', type: 'string', default: '1', defaultDescription: '1', describe: 'instructions to execute (a decimal count)' })
      .option('tid', { type: 'string', describe: 'thread to step (default: the thread the last one-shot command stopped in, else the main thread)' })
      .option('json', { type: 'boolean', describe: 'print the stop as an object' }) as unknown as Argv<StepArgs>,
  handler: async (argv) => {
    const pid = cliPid(argv.pid);
    const n = cliCount(argv.count ?? '1');
    const tid = argv.tid === undefined ? undefined : cliPid(argv.tid, 'thread id');
    const { gone } = await import('../../engine/session.js');
    const { runCommand } = await import('../../commands/commands.js');
    const { stepiCommand } = await import('../../commands/run-cmds.js');
    const { stopResult, formatStop } = await import('../../commands/stop-result.js');
    const { Client } = await import('../../commands/client.js');
    const { isGone } = await import('../../engine/events.js');
    await onTarget(argv, pid, async (s) => {
      // procfs's `ctl step`, N times: the table's stepi (never a source line, whatever step
      // comes to mean in scripts and the TUI).
      const { result } = await runCommand(new Client(s), stepiCommand, n);
      const ev = result.stop;
      if (isGone(ev)) throw gone(pid, ev);
      await s.loadSymbols();
      // Described once the symbols are loaded (the step ran before they were read).
      const r = stopResult(s, ev);
      if (argv.json) printJson({ pid, ...r.data });
      else printLine(formatStop(r).join('\n'));
    }, tid === undefined ? {} : { tid });
  },
};
