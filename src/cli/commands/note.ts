import type { Argv, CommandModule } from 'yargs';
import { cliPid } from '../addr.js';
import { printJson, printLine } from '../output.js';

interface NoteArgs {
  'proc-root'?: string;
  via?: string | string[];
  pid?: string;
  signal?: string;
  json?: boolean;
}

/** `pdbg note PID SIG`: the note node (Plan 9's notes; BSD never implemented it): send a signal. */
export const noteCommand: CommandModule<object, NoteArgs> = {
  command: 'note <pid> <signal>',
  describe: 'send a signal to a process (the note node): hup, usr1, term, SIGTERM, 15…',
  builder: (y: Argv) =>
    y
      .positional('pid', { type: 'string', describe: 'process id' })
      .positional('signal', { type: 'string', describe: 'signal name or number' })
      .option('json', { type: 'boolean', describe: 'print {pid, signal}' }) as unknown as Argv<NoteArgs>,
  handler: async (argv) => {
    const pid = cliPid(argv.pid);
    const { parseSignal } = await import('../../procfs/signals.js');
    const sig = parseSignal(String(argv.signal));
    const { openSource } = await import('../source.js');
    const fs = await openSource(argv);
    try {
      await fs.write(pid, 'note', sig.name);
    } finally {
      await fs.close();
    }
    if (argv.json) printJson({ pid, signal: sig.name });
    else printLine(`sent ${sig.name} to ${pid}`);
  },
};
