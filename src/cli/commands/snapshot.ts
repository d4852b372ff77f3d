import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../errors.js';
import { printJson, printLine } from '../output.js';

interface SnapshotArgs {
  'proc-root'?: string;
  via?: string | string[];
  o?: string;
  pids?: (string | number)[];
  json?: boolean;
}

/** `pdbg snapshot -o DIR [PID…]`: a BSD-layout tree that `--proc-root DIR` reads back. */
export const snapshotCommand: CommandModule<object, SnapshotArgs> = {
  command: 'snapshot [pids..]',
  describe: 'write processes as a BSD-layout tree (DIR/PID/status, cmdline, map, …)',
  builder: (y: Argv) =>
    y
      .positional('pids', { type: 'string', array: true, describe: 'process ids (default: every process)' })
      .option('o', { type: 'string', describe: 'output directory', demandOption: true })
      .option('json', { type: 'boolean', describe: 'print what was written as JSON' }) as unknown as Argv<SnapshotArgs>,
  handler: async (argv) => {
    const pids = (argv.pids ?? []).map((p) => {
      const t = String(p);
      if (!/^\d+$/.test(t) || Number(t) <= 0) throw new UsageError(`snapshot: '${t}' is not a process id`);
      return Number(t);
    });
    if (!argv.o) throw new UsageError('snapshot: -o DIR is required');
    const { snapshot } = await import('../../inventory/snapshot.js');
    const { openSource } = await import('../source.js');
    const fs = await openSource(argv);
    try {
      const r = await snapshot(fs, argv.o, pids.length > 0 ? pids : undefined);
      if (argv.json) printJson(r);
      else {
        // DIR is whatever was typed, ESC included: the line must not act on the terminal.
        const { terminalLine } = await import('../../procfs/escape.js');
        const line = `${r.root}: ${r.pids.length} processes, ${r.jails.length} jails (${r.skipped.length} nodes unreadable)`;
        printLine(terminalLine(Buffer.from(line, 'utf8')).toString('utf8'));
      }
    } finally {
      await fs.close();
    }
  },
};
