import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../errors.js';
import { printJson } from '../output.js';

interface StatusArgs {
  'proc-root'?: string;
  pid: string;
  json?: boolean;
}

/** `pdbg status PID`: exactly the status node's line, or its fields with --json. */
export const statusCommand: CommandModule<object, StatusArgs> = {
  command: 'status <pid>',
  describe: "print a process's status node (FreeBSD procfs status line)",
  builder: (y: Argv) =>
    y
      .positional('pid', { type: 'string', describe: 'process id' })
      .option('json', { type: 'boolean', describe: 'print the parsed fields' }) as unknown as Argv<StatusArgs>,
  handler: async (argv) => {
    const pidText = String(argv.pid);
    if (!/^\d+$/.test(pidText) || Number(pidText) <= 0) throw new UsageError(`status: '${pidText}' is not a process id`);
    const pid = Number(pidText);
    const { openProcFs } = await import('../../procfs/sources/open.js');
    const fs = await openProcFs(argv['proc-root']);
    try {
      const line = await fs.read(pid, 'status');
      if (!argv.json) {
        process.stdout.write(line);
        return;
      }
      const { parseStatusBytes, commText, jailText } = await import('../../procfs/status.js');
      const s = parseStatusBytes(line);
      printJson({ ...s, comm: commText(s), jail: jailText(s) });
    } finally {
      await fs.close();
    }
  },
};
