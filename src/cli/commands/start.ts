import type { Argv, CommandModule } from 'yargs';
import { printJson, printLine } from '../output.js';
import { UsageError } from '../errors.js';

interface StartArgs {
  'proc-root'?: string;
  via?: string | string[];
  _?: (string | number)[];
  cmd?: (string | number)[];
  stdin?: string;
  stdout?: string;
  stderr?: string;
  json?: boolean;
}

/** A standard fd of the target: the file given, else pdbg's own when it is a terminal, else /dev/null. */
export function targetStdio(path: string | undefined, fd: 0 | 1 | 2): string | 'inherit' | 'ignore' {
  if (path !== undefined) return path;
  const stream = fd === 0 ? process.stdin : fd === 1 ? process.stdout : process.stderr;
  // Never hand a pipe on: `pid=$(pdbg start -- prog)` would wait for the target to close it.
  return (stream as { isTTY?: boolean }).isTTY ? 'inherit' : 'ignore';
}

/**
 * `pdbg start -- CMD ARGS…`: starts CMD stopped at the first instruction of its image (spec §3:
 * it stops itself before exec, pdbg attaches, lets it exec, stops on the exec event), leaves it
 * in a job-control stop untraced, and prints its pid for the next command.
 */
export const startCommand: CommandModule<object, StartArgs> = {
  command: 'start [cmd..]',
  describe: 'start a program stopped at its first instruction; print its pid',
  builder: (y: Argv) =>
    y
      .positional('cmd', { type: 'string', array: true, describe: 'the program and its arguments (after --)' })
      .option('stdin', { type: 'string', describe: "file for the target's stdin (default: the terminal, else /dev/null)" })
      .option('stdout', { type: 'string', describe: "file for the target's stdout (default: the terminal, else /dev/null)" })
      .option('stderr', { type: 'string', describe: "file for the target's stderr (default: the terminal, else /dev/null)" })
      .option('json', { type: 'boolean', describe: 'print {pid, pc, where, argv}' })
      .example('pid=$(pdbg start --stdout out.txt -- ./prog 3)', '') as unknown as Argv<StartArgs>,
  handler: async (argv) => {
    // yargs leaves the words after `--` in `_` (after the command's own name).
    const cmd = [...(argv.cmd ?? []), ...(argv._ ?? []).slice(1)].map(String);
    if (cmd.length === 0) throw new UsageError('start: give a command after --');
    const { openSource } = await import('../source.js');
    const { Session } = await import('../../engine/session.js');
    const { guard } = await import('../../procfs/exit-guard.js');
    const fs = await openSource(argv);
    try {
      const s = await Session.launch(fs, cmd, {
        stdin: targetStdio(argv.stdin, 0),
        stdout: targetStdio(argv.stdout, 1),
        stderr: targetStdio(argv.stderr, 2),
        exitGuard: guard,
      });
      s.onRelease = 'stopped';
      const pc = 'pc' in s.lastStop ? s.lastStop.pc : 0n;
      await s.loadSymbols();
      await s.detach({ leave: 'stopped' });
      if (argv.json) printJson({ pid: s.pid, pc, where: s.describe(pc), argv: cmd });
      else printLine(String(s.pid));
      process.stderr.write(`pdbg: left stopped at ${s.describe(pc)} (thread ${s.pid}); pdbg detach ${s.pid} resumes it\n`);
    } finally {
      await fs.close();
    }
  },
};
