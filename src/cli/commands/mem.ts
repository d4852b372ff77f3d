import type { Argv, CommandModule } from 'yargs';
import { ProcfsError } from '../../procfs/errors.js';
import { cliHex, cliLength, cliPid, cliWhere } from '../addr.js';
import { printJson, printLine } from '../output.js';
import type { Session } from '../../engine/session.js';
import { KEEP_STOPPED, observing, onTarget } from '../target.js';

interface MemArgs {
  'proc-root'?: string;
  via?: string | string[];
  pid?: string;
  addr?: string;
  len?: string | number;
  write?: string;
  json?: boolean;
  'keep-stopped'?: boolean;
}

/**
 * `pdbg mem PID ADDR [LEN] [--write HEX]`: dump or write memory (text too). A dump leaves the
 * target as found (--keep-stopped: stopped); a write leaves it stopped, and says so. A dump
 * that runs into an unmapped page prints what it read and ends with `pdbg: read N of M bytes:
 * address 0x… is not mapped` (status 1).
 */
export const memCommand: CommandModule<object, MemArgs> = {
  command: 'mem <pid> <addr> [len]',
  describe: 'dump LEN bytes at an address or symbol, or --write hex bytes there',
  builder: (y: Argv) =>
    y
      .positional('pid', { type: 'string', describe: 'process id' })
      .positional('addr', { type: 'string', describe: '0x-address, SYMBOL or SYMBOL+OFF' })
      .positional('len', { type: 'string', describe: 'bytes to dump (default 16)' })
      .option('write', { type: 'string', describe: 'hex bytes to write, e.g. 90 or "de ad be ef"' })
      .option('keep-stopped', KEEP_STOPPED)
      .option('json', { type: 'boolean', describe: 'print {pid, addr, bytes}' }) as unknown as Argv<MemArgs>,
  handler: async (argv) => {
    const pid = cliPid(argv.pid);
    const where = cliWhere(argv.addr);
    const len = argv.len === undefined ? undefined : cliLength(argv.len);
    const data = argv.write === undefined ? undefined : cliHex(argv.write);
    const { runCommand } = await import('../../commands/commands.js');
    const { examineCommand, writeCommand } = await import('../../commands/memory-cmds.js');
    const { Client } = await import('../../commands/client.js');
    let short: ProcfsError | undefined;
    const act = async (s: Session) => {
      await s.loadSymbols();
      const c = new Client(s);
      const out = data
        ? await runCommand(c, writeCommand, { where, bytes: data })
        : await runCommand(c, examineCommand, { form: 'dump', expr: where, ...(len === undefined ? {} : { len }) });
      if (argv.json) printJson({ pid, ...out.data });
      else printLine(out.lines.join('\n'));
      if (out.result.kind === 'hexdump') {
        // The kernel reads up to the first unmapped page and stops there: the bytes before it
        // are printed, and the shortfall is an error (status 1), never a silently short dump.
        const { addr, bytes } = out.result.data;
        const want = len ?? 16;
        const got = bytes.length / 2;
        if (got < want) short = new ProcfsError('EIO', `read ${got} of ${want} bytes: address 0x${(addr + BigInt(got)).toString(16)} is not mapped`, pid, 'mem');
      }
    };
    // A read needs no stop at all unless it names a register ($rsp): the address space of a
    // running process reads as it is, and a server never pauses for a dump.
    if (!data && !argv['keep-stopped'] && !where.includes('$')) await observing(argv, pid, act);
    else await onTarget(argv, pid, act, { kind: data ? 'control' : 'inspect', keepStopped: argv['keep-stopped'] === true });
    if (short) throw short;
  },
};
