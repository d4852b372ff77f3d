import type { Argv, CommandModule } from 'yargs';
import { cliHex, cliLength, cliPid, cliWhere } from '../addr.js';
import { printJson, printLine } from '../output.js';
import { onTarget } from '../target.js';

interface MemArgs {
  'proc-root'?: string;
  pid?: number;
  addr?: string;
  len?: string | number;
  write?: string;
  json?: boolean;
}

/** `pdbg mem PID ADDR [LEN] [--write HEX]`: dump or write memory (text too); left stopped. */
export const memCommand: CommandModule<object, MemArgs> = {
  command: 'mem <pid> <addr> [len]',
  describe: 'dump LEN bytes at an address or symbol, or --write hex bytes there',
  builder: (y: Argv) =>
    y
      .positional('pid', { type: 'number', describe: 'process id' })
      .positional('addr', { type: 'string', describe: '0x-address, SYMBOL or SYMBOL+OFF' })
      .positional('len', { type: 'string', describe: 'bytes to dump (default 16)' })
      .option('write', { type: 'string', describe: 'hex bytes to write, e.g. 90 or "de ad be ef"' })
      .option('json', { type: 'boolean', describe: 'print {pid, addr, bytes}' }) as unknown as Argv<MemArgs>,
  handler: async (argv) => {
    const pid = cliPid(argv.pid);
    const where = cliWhere(argv.addr);
    const len = argv.len === undefined ? undefined : cliLength(argv.len);
    const data = argv.write === undefined ? undefined : cliHex(argv.write);
    const { findCommand } = await import('../../debugger/commands.js');
    await onTarget(argv['proc-root'], pid, async (s) => {
      await s.loadSymbols();
      const out = data
        ? await findCommand('write')!.run(s, [where, data.toString('hex')])
        : await findCommand('x')!.run(s, len === undefined ? [where] : [where, String(len)]);
      if (argv.json) printJson({ pid, ...(out.data as object) });
      else printLine(out.lines.join('\n'));
    });
  },
};
