import type { Argv, CommandModule } from 'yargs';
import { cliPid } from '../addr.js';
import { printJson, printLine } from '../output.js';

interface DetachArgs {
  'proc-root'?: string;
  pid?: number;
  json?: boolean;
}

/**
 * `pdbg detach PID`: sends a process the one-shot commands left stopped on its way: `ctl detach`
 * (a no-op success when nobody here traces it, as BSD's) and SIGCONT, ending its job-control stop.
 */
export const detachCommand: CommandModule<object, DetachArgs> = {
  command: 'detach <pid>',
  describe: 'release a process: stop tracing it and let it run (SIGCONT)',
  builder: (y: Argv) =>
    y
      .positional('pid', { type: 'number', describe: 'process id' })
      .option('json', { type: 'boolean', describe: 'print {pid, released}' }) as unknown as Argv<DetachArgs>,
  handler: async (argv) => {
    const pid = cliPid(argv.pid);
    const { openProcFs } = await import('../../procfs/sources/open.js');
    const fs = await openProcFs(argv['proc-root']);
    try {
      await fs.write(pid, 'ctl', 'detach');
      await fs.write(pid, 'note', 'cont');
    } finally {
      await fs.close();
    }
    if (argv.json) printJson({ pid, released: true });
    else printLine(`released ${pid}`);
  },
};
