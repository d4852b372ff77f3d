import type { Argv, CommandModule } from 'yargs';
import { ParseError } from '../../procfs/errors.js';
import { UsageError } from '../errors.js';
import { printLine, toJson } from '../output.js';

interface StatusArgs {
  'proc-root'?: string;
  via?: string | string[];
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
    const { openSource } = await import('../source.js');
    const fs = await openSource(argv);
    try {
      const line = await fs.read(pid, 'status');
      // Parse even when printing the raw line: a malformed line from a tree is an error, not output.
      const { parseStatusBytes, commText, jailText } = await import('../../procfs/status.js');
      const { terminalJson, terminalLine } = await import('../../procfs/escape.js');
      let s;
      try {
        s = parseStatusBytes(line);
      } catch (err) {
        if (err instanceof ParseError) throw new ParseError(err.field, `${pid}/status: ${err.message}`);
        throw err;
      }
      // The line as the node has it, but for what a terminal would act on (a jail hostname with a
      // newline or an ESC, a raw comm of an old dialect), written `\ooo` as FreeBSD escapes the
      // comm; --json has the true bytes.
      if (argv.json) printLine(terminalJson(toJson({ ...s, comm: commText(s), jail: jailText(s) })));
      else process.stdout.write(terminalLine(line));
    } finally {
      await fs.close();
    }
  },
};
