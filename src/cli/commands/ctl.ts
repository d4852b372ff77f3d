import type { Argv, CommandModule } from 'yargs';
import { cliPid } from '../addr.js';
import { UsageError } from '../errors.js';
import { printJson, printLine } from '../output.js';

interface CtlArgs {
  'proc-root'?: string;
  via?: string | string[];
  pid?: string;
  words?: (string | number)[];
  json?: boolean;
}

/**
 * `pdbg ctl PID WORD…`: the ctl file as a command (spec §3): each word written in order, as
 * `echo WORD > /proc/PID/ctl` would on BSD, in one pdbg process (ptrace ties a tracee to its
 * tracer's life). After each `wait`, and at the end, the `why` line is printed. A target still
 * traced and stopped at the end is left in a job-control stop, as the one-shot commands leave it.
 */
export const ctlCommand: CommandModule<object, CtlArgs> = {
  command: 'ctl <pid> <words..>',
  describe: 'write control words (attach wait step run detach, a signal…) to a process\'s ctl',
  builder: (y: Argv) =>
    y
      .positional('pid', { type: 'string', describe: 'process id' })
      .positional('words', { type: 'string', array: true, describe: 'control words, in order' })
      .option('json', { type: 'boolean', describe: 'print {pid, words, why}' })
      .example('pdbg ctl 812 attach wait step wait', 'one instruction, then left stopped') as unknown as Argv<CtlArgs>,
  handler: async (argv) => {
    const pid = cliPid(argv.pid);
    const words = (argv.words ?? []).map(String);
    if (words.length === 0) throw new UsageError('ctl: give at least one word');
    const { parseCtl } = await import('../../procfs/ctl.js');
    for (const w of words) parseCtl(w); // every word checked before the first is written
    const { openSource } = await import('../source.js');
    const { parseWhy } = await import('../../procfs/why.js');
    const fs = await openSource(argv);
    const whyLine = async () => (await fs.read(pid, 'why')).toString('latin1').trim();
    const results: { word: string; why?: string }[] = [];
    try {
      for (const word of words) {
        await fs.write(pid, 'ctl', word);
        if (parseCtl(word).kind === 'verb' && word.trim().toLowerCase() === 'wait') {
          const why = await whyLine();
          results.push({ word, why });
          if (!argv.json) printLine(why);
        } else results.push({ word });
      }
      let why = await whyLine().catch(() => 'gone');
      if (why.startsWith('stopped ')) {
        await fs.write(pid, 'ctl', 'detach-stopped');
        why = await whyLine().catch(() => 'gone');
      }
      if (argv.json) printJson({ pid, words: results, why });
      else if (words[words.length - 1]!.trim().toLowerCase() !== 'wait') printLine(why);
    } finally {
      await fs.close();
    }
  },
};
