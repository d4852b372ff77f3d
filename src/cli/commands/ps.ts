import type { Argv, CommandModule } from 'yargs';
import { reportError, UsageError } from '../errors.js';
import { formatTable, printLine, toJson } from '../output.js';

interface PsArgs {
  'proc-root'?: string;
  via?: string | string[];
  J?: string;
  o?: string;
  json?: boolean;
}

/** `pdbg ps`: FreeBSD ps with a jail column; the library lists, this only formats. */
export const psCommand: CommandModule<object, PsArgs> = {
  command: 'ps',
  describe: 'list processes with their jail (like FreeBSD ps -J / -o jail,jid)',
  builder: (y: Argv) =>
    y
      .option('J', { type: 'string', describe: 'only these jails: comma list of jids or hostnames; 0 = host processes' })
      .option('o', { type: 'string', describe: 'fields: pid,ppid,pgid,sid,tty,uid,ruid,gid,rgid,state,comm,args,jail,jid,wchan,time,start' })
      .option('json', { type: 'boolean', describe: 'print an array of objects' }) as unknown as Argv<PsArgs>,
  handler: async (argv) => {
    // Loaded here, not at the top: `pdbg ps` must not pay for the debugger's modules.
    const { listProcesses } = await import('../../inventory/listing.js');
    const { parseFieldList, psJsonValue, psText, PS_DEFAULT_FIELDS, PS_HEADERS, PS_NUMERIC } = await import('../../inventory/ps-fields.js');
    const { displayText, terminalJson } = await import('../../procfs/escape.js');
    const fields = argv.o === undefined
      ? PS_DEFAULT_FIELDS
      : parseFieldList(argv.o, (name) => new UsageError(`ps -o: unknown field '${name}' (known: ${Object.keys(PS_HEADERS).join(',')})`));
    if (argv.J !== undefined && argv.J.trim() === '') throw new UsageError('ps -J: name a jail id or hostname (0 = the host)');
    const { openSource, openSources } = await import('../source.js');
    const opts = { fields, ...(argv.J !== undefined ? { jail: argv.J } : {}) };
    // Like ls around an unreadable entry: list the rest, one line per bad process, exit 1.
    const bad: unknown[] = [];
    // Fan-out (--via repeated): every chain at once, a HOST column first; an unreachable chain
    // is one line on stderr and exit status 1, and the others are still listed.
    const fan = await openSources(argv);
    const sources = fan ?? [{ host: '', fs: await openSource(argv) }];
    const listed = await Promise.all(sources.map(async (src) => {
      if (!('fs' in src)) {
        bad.push(src.error);
        return [];
      }
      try {
        const procs = await listProcesses(src.fs, { ...opts, onError: (err) => bad.push(err) });
        return procs.map((p) => ({ host: src.host, p }));
      } catch (err) {
        bad.push(err);
        return [];
      } finally {
        await src.fs.close();
      }
    }));
    const rows = listed.flat();
    if (argv.json) {
      // True values, JSON-escaped; terminalJson also escapes the C1 and bidi controls JSON leaves raw.
      printLine(terminalJson(toJson(rows.map(({ host, p }) => ({
        ...(fan ? { host } : {}),
        ...Object.fromEntries(fields.map((f) => [f, psJsonValue(p, f)])),
      })))));
    } else {
      const right = new Set<number>();
      const lead = fan ? 1 : 0;
      fields.forEach((f, i) => PS_NUMERIC.has(f) && right.add(i + lead));
      const table = rows.map(({ host, p }) => [...(fan ? [displayText(host)] : []), ...fields.map((f) => psText(p, f))]);
      printLine(formatTable([...(fan ? ['HOST'] : []), ...fields.map((f) => PS_HEADERS[f])], table, right));
    }
    for (const err of bad) process.exitCode = reportError(err);
  },
};
