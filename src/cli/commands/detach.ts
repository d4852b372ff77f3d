import type { Argv, CommandModule } from 'yargs';
import { ProcfsError } from '../../procfs/errors.js';
import { tracedByText } from '../../procfs/source.js';
import { cliPid } from '../addr.js';
import { printJson, printLine } from '../output.js';

interface DetachArgs {
  'proc-root'?: string;
  via?: string | string[];
  pid?: string;
  json?: boolean;
}

/**
 * `pdbg detach PID`: sends a process the one-shot commands left stopped on its way: `ctl detach`
 * (a no-op success when nobody here traces it, as BSD's) and SIGCONT, ending its job-control stop.
 * A process another tracer holds is refused, naming that tracer (EBUSY, status 1).
 */
export const detachCommand: CommandModule<object, DetachArgs> = {
  command: 'detach <pid>',
  describe: 'release a process: stop tracing it and let it run (SIGCONT)',
  builder: (y: Argv) =>
    y
      .positional('pid', { type: 'string', describe: 'process id' })
      .option('json', { type: 'boolean', describe: 'print {pid, released}' }) as unknown as Argv<DetachArgs>,
  handler: async (argv) => {
    const pid = cliPid(argv.pid);
    const { openSource } = await import('../source.js');
    const fs = await openSource(argv);
    try {
      // Someone else's tracee (strace, gdb) is not pdbg's to release: saying "released" while it
      // stays traced, or sending it SIGCONT under that tracer, would both be wrong.
      const tracer = await fs.capabilities.tracer?.tracerOf(pid);
      if (tracer) throw new ProcfsError('EBUSY', `${tracedByText(pid, tracer)}, not by pdbg: not released`, pid, 'ctl');
      await fs.write(pid, 'ctl', 'detach');
      await fs.write(pid, 'note', 'cont');
    } finally {
      await fs.close();
    }
    if (argv.json) printJson({ pid, released: true });
    else printLine(`released ${pid}`);
  },
};
