import type { Argv, CommandModule } from 'yargs';
import { cliPid } from '../addr.js';
import { printJson, printLine } from '../output.js';

interface NotepgArgs {
  'proc-root'?: string;
  via?: string | string[];
  pgid?: string;
  signal?: string;
  json?: boolean;
}

/** `pdbg notepg PGID SIG`: the notepg node: a signal to every process of a process group. */
export const notepgCommand: CommandModule<object, NotepgArgs> = {
  command: 'notepg <pgid> <signal>',
  describe: 'send a signal to every process of a process group (the notepg node)',
  builder: (y: Argv) =>
    y
      .positional('pgid', { type: 'string', describe: 'process group id (a pid of its leader)' })
      .positional('signal', { type: 'string', describe: 'signal name or number' })
      .option('json', { type: 'boolean', describe: 'print {pgid, signal}' }) as unknown as Argv<NotepgArgs>,
  handler: async (argv) => {
    const pgid = cliPid(argv.pgid, 'process group id');
    const { parseSignal } = await import('../../procfs/signals.js');
    const sig = parseSignal(String(argv.signal));
    const { openSource } = await import('../source.js');
    const fs = await openSource(argv);
    try {
      await fs.write(pgid, 'notepg', sig.name);
    } finally {
      await fs.close();
    }
    if (argv.json) printJson({ pgid, signal: sig.name });
    else printLine(`sent ${sig.name} to process group ${pgid}`);
  },
};
