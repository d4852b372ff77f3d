import { readFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import type { Session } from '../../engine/session.js';
import { cliPid } from '../addr.js';
import { UsageError } from '../errors.js';
import { printJson, printLine } from '../output.js';

interface ScriptArgs {
  'proc-root'?: string;
  via?: string | string[];
  pid?: string;
  file?: string | boolean;
  json?: boolean;
  'keep-stopped'?: boolean;
}

/**
 * `pdbg script PID FILE|-`: many debugger commands in one session, breakpoints included (gdb's
 * batch mode). Each command is echoed as `(pdbg) CMD` followed by its result; the first error
 * stops the script naming its line. However it ends (its last line, an error, a signal, a cut
 * chain) the target is left as found with no breakpoint in it: a running server runs on, as
 * after `gdb -batch`; --keep-stopped leaves it stopped.
 */
export const scriptCommand: CommandModule<object, ScriptArgs> = {
  command: 'script <pid> <file>',
  describe: 'run debugger commands from a file (- for stdin) in one session',
  builder: (y: Argv) =>
    y
      .positional('pid', { type: 'string', describe: 'process id' })
      .positional('file', { type: 'string', describe: 'script file, or - for stdin' })
      .option('keep-stopped', { type: 'boolean', describe: 'leave the target stopped at the end (default: as found)' })
      .option('json', { type: 'boolean', describe: 'print an array of {line, command, output, result}' })
      .epilog('Commands: the debugger\'s command table, as the TUI\'s command line takes them (a script line `help` lists them; docs/commands/debugger.md)') as unknown as Argv<ScriptArgs>,
  handler: async (argv) => {
    const pid = cliPid(argv.pid);
    // yargs hands a lone `-` over as true or '' (it means stdin to it too).
    const file = typeof argv.file === 'string' && argv.file !== '' ? argv.file : '-';
    let text: string;
    try {
      text = readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read script ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const { withOneShot } = await import('../target.js');
    const { runScript } = await import('../../commands/script.js');
    // What the engine did by itself (a fork child let go) is part of the transcript.
    const notices = argv.json ? undefined : (s: Session) => void s.onMessage((t) => printLine(`[${t}]`));
    const { Client } = await import('../../commands/client.js');
    await withOneShot(argv, pid, async (s) => {
      await s.loadSymbols();
      const c = new Client(s);
      // A `trace` command's calls, as they happen during the next continue.
      if (!argv.json) c.onTraceOutput(printLine);
      const steps = await runScript(c, text, (step) => {
        if (!argv.json && step.output.lines.length) printLine(step.output.lines.join('\n'));
      }, (line) => {
        if (!argv.json) printLine(`(pdbg) ${line.text}`);
      });
      if (argv.json) printJson(steps.map((st) => ({ line: st.line, command: st.text, output: st.output.lines, result: st.output.data })));
    }, notices, { kind: 'inspect', keepStopped: argv['keep-stopped'] === true });
  },
};
