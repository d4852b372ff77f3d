import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../errors.js';

interface AttachArgs {
  'proc-root'?: string;
  via?: string | string[];
  pid: string;
}

/** Refuses to draw a TUI into a pipe: one clean line instead of escape codes in a file. */
export function requireTerminal(what: string): void {
  if (!process.stdin.isTTY || !process.stdout.isTTY) throw new UsageError(`${what} needs a terminal (stdin and stdout must be a tty)`);
}

/** `pdbg attach PID`: the terminal debugger on a running process. */
export const attachCommand: CommandModule<object, AttachArgs> = {
  command: 'attach <pid>',
  describe: 'open the terminal debugger on a running process (q detaches; the target runs on)',
  builder: (y: Argv) => y.positional('pid', { type: 'string', describe: 'process id' }) as unknown as Argv<AttachArgs>,
  handler: async (argv) => {
    const pidText = String(argv.pid);
    if (!/^\d+$/.test(pidText) || Number(pidText) <= 0) throw new UsageError(`attach: '${pidText}' is not a process id`);
    requireTerminal('pdbg attach');
    const pid = Number(pidText);
    const { openSource } = await import('../source.js');
    const { Session } = await import('../../engine/session.js');
    const { guard } = await import('../../procfs/exit-guard.js');
    const { openBlessedTerminal, runTui, targetInfo } = await import('../../tui/index.js');
    const fs = await openSource(argv);
    try {
      const info = await targetInfo(fs, pid);
      const session = await Session.attach(fs, pid, { exitGuard: guard });
      await runTui(session, {
        terminal: openBlessedTerminal(),
        command: info.command,
        jail: info.jail,
        ...(process.env.PDBG_TUI_TRACE ? { trace: process.env.PDBG_TUI_TRACE } : {}),
      });
    } finally {
      await fs.close();
    }
  },
};
