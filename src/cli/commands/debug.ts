import { closeSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../errors.js';
import { requireTerminal } from './attach.js';

interface DebugArgs {
  'proc-root'?: string;
  program?: string[];
  output?: string;
  _?: (string | number)[];
}

/**
 * `pdbg debug -- CMD ARGS…`: starts CMD stopped at its first instruction under the terminal
 * debugger. Its stdin is /dev/null and its output goes to a file (shown in the log pane), so
 * it never draws over the TUI.
 */
export const debugCommand: CommandModule<object, DebugArgs> = {
  command: 'debug [program..]',
  describe: 'start a program under the terminal debugger: pdbg debug -- CMD ARGS…',
  builder: (y: Argv) =>
    y
      .positional('program', { type: 'string', array: true, describe: 'the command and its arguments (after --)' })
      .option('output', { type: 'string', describe: "file for the program's stdout and stderr (default: a file in $TMPDIR)" }) as unknown as Argv<DebugArgs>,
  handler: async (argv) => {
    // yargs leaves what follows `--` in `_` after the command's own name.
    const afterDashes = (argv._ ?? []).slice(1);
    const cmd = [...(argv.program ?? []), ...afterDashes].map(String);
    if (cmd.length === 0) throw new UsageError('debug: name a program: pdbg debug -- CMD ARGS…');
    requireTerminal('pdbg debug');
    const output = argv.output ?? join(tmpdir(), `pdbg-debug-${process.pid}.out`);
    const { openProcFs } = await import('../../procfs/sources/open.js');
    const { Session } = await import('../../debugger/session.js');
    const { openBlessedTerminal, runTui } = await import('../../tui/index.js');
    const fs = await openProcFs(argv['proc-root']);
    try {
      // One open file for both streams, so their writes interleave instead of overwriting.
      const fd = openSync(output, 'w');
      let session;
      try {
        session = await Session.launch(fs, cmd, { stdin: 'ignore', stdout: fd, stderr: fd });
      } finally {
        closeSync(fd);
      }
      await runTui(session, {
        terminal: openBlessedTerminal(),
        command: cmd[0]!.replace(/.*\//, ''),
        jail: '-',
        targetOutput: output,
        ...(process.env.PDBG_TUI_TRACE ? { trace: process.env.PDBG_TUI_TRACE } : {}),
      });
    } finally {
      await fs.close();
    }
  },
};
