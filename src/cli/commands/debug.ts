import { closeSync, constants, mkdtempSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { fsError } from '../../inventory/out-dir.js';
import { UsageError } from '../errors.js';
import { requireTerminal } from './attach.js';

interface DebugArgs {
  'proc-root'?: string;
  via?: string | string[];
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
      .option('output', { type: 'string', describe: "file for the program's stdout and stderr (default: $TMPDIR/pdbg-debug-XXXXXX/output, a new directory only you can enter)" }) as unknown as Argv<DebugArgs>,
  handler: async (argv) => {
    // yargs leaves what follows `--` in `_` after the command's own name.
    const afterDashes = (argv._ ?? []).slice(1);
    const cmd = [...(argv.program ?? []), ...afterDashes].map(String);
    if (cmd.length === 0) throw new UsageError('debug: name a program: pdbg debug -- CMD ARGS…');
    requireTerminal('pdbg debug');
    const { openSource } = await import('../source.js');
    const { Session } = await import('../../engine/session.js');
    const { guard } = await import('../../procfs/exit-guard.js');
    const { openBlessedTerminal, runTui } = await import('../../tui/index.js');
    const fs = await openSource(argv);
    try {
      // Created here safely (a private 0700 directory, or the named file without following a
      // link); the source opens it once for both streams, so their writes interleave.
      const { fd, path: output } = argv.output ? openNamedOutput(argv.output) : openPrivateOutput();
      closeSync(fd);
      const session = await Session.launch(fs, cmd, { stdin: 'ignore', stdout: output, stderr: output, exitGuard: guard });
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

/** `--output FILE`: the user's own path, created or truncated as a shell's `>` would. */
function openNamedOutput(path: string): { fd: number; path: string } {
  try {
    return { fd: openSync(path, 'w'), path };
  } catch (err) {
    throw new UsageError(`debug --output: ${fsError(err, path).message}`);
  }
}

/**
 * The default output file. A predictable name in a shared $TMPDIR (it was pdbg-debug-PID.out)
 * is one anyone can create first, as a symlink to a file root would then truncate: instead a
 * fresh directory only we can enter (mkdtemp, mode 0700) and an exclusive create inside it.
 * The file stays after pdbg exits, as before: the program may outlive the session.
 */
function openPrivateOutput(): { fd: number; path: string } {
  const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;
  let dir = join(tmpdir(), 'pdbg-debug-XXXXXX');
  try {
    dir = mkdtempSync(join(tmpdir(), 'pdbg-debug-'));
    const path = join(dir, 'output');
    return { fd: openSync(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600), path };
  } catch (err) {
    throw fsError(err, dir);
  }
}
