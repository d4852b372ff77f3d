import type { Argv, CommandModule } from 'yargs';
import { cliAssignments, cliPid } from '../addr.js';
import { printJson, printLine } from '../output.js';
import { KEEP_STOPPED, onTarget } from '../target.js';

interface RegsArgs {
  'proc-root'?: string;
  via?: string | string[];
  pid?: string;
  set?: (string | number)[];
  tid?: string;
  json?: boolean;
  'keep-stopped'?: boolean;
}

/**
 * `pdbg regs PID [--set REG=VALUE…]`: the registers by name (edits first). A read leaves the
 * target as found (--keep-stopped: stopped); an edit leaves it stopped where it is, and says so.
 */
export const regsCommand: CommandModule<object, RegsArgs> = {
  command: 'regs <pid>',
  describe: 'show (and --set) the registers of a process; a read leaves it as found',
  builder: (y: Argv) =>
    y
      .positional('pid', { type: 'string', describe: 'process id' })
      .option('set', { type: 'string', array: true, describe: 'REG=VALUE (decimal or 0x-hex), repeatable' })
      .option('tid', { type: 'string', describe: 'thread (default: the thread the last one-shot command stopped in, else the main thread)' })
      .option('keep-stopped', KEEP_STOPPED)
      .option('json', { type: 'boolean', describe: 'print {pid, tid, regs}' }) as unknown as Argv<RegsArgs>,
  handler: async (argv) => {
    const pid = cliPid(argv.pid);
    const sets = cliAssignments(argv.set ?? []);
    const tid = argv.tid === undefined ? undefined : cliPid(argv.tid, 'thread id');
    const { runCommand } = await import('../../commands/commands.js');
    const { registersCommand } = await import('../../commands/frame-cmds.js');
    const { Client } = await import('../../commands/client.js');
    await onTarget(argv, pid, async (s) => {
      for (const { name, value } of sets) await s.setReg(name, value);
      await s.loadSymbols();
      // The script's `regs`: pdbg's layout of the table's registers entry.
      const out = await runCommand(new Client(s), registersCommand, { names: [], layout: 'short' });
      if (argv.json) printJson({ pid, ...out.data });
      else printLine(out.lines.join('\n'));
    }, { kind: sets.length ? 'control' : 'inspect', keepStopped: argv['keep-stopped'] === true, ...(tid === undefined ? {} : { tid }) });
  },
};
