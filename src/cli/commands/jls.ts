import type { Argv, CommandModule } from 'yargs';
import { reportError } from '../errors.js';
import { printLine, toJson } from '../output.js';

interface JlsArgs {
  'proc-root'?: string;
  via?: string | string[];
  json?: boolean;
}

/** `pdbg jls`: FreeBSD jls's default table over Linux UTS namespaces (spec §7). */
export const jlsCommand: CommandModule<object, JlsArgs> = {
  command: 'jls',
  describe: 'list jails (UTS namespaces): JID, IP address, hostname, root path',
  builder: (y: Argv) => y.option('json', { type: 'boolean', describe: 'print an array of objects' }) as unknown as Argv<JlsArgs>,
  handler: async (argv) => {
    const { listJails } = await import('../../inventory/jails.js');
    const { displayText, terminalJson } = await import('../../procfs/escape.js');
    const { openSource } = await import('../source.js');
    const fs = await openSource(argv);
    try {
      // Like ls around an unreadable entry: list the rest, one line per bad process, exit 1.
      const bad: Error[] = [];
      const jails = await listJails(fs, { onError: (err) => bad.push(err) });
      if (argv.json) {
        printLine(terminalJson(toJson(jails.map((j) => ({ ...j, processes: j.pids.length })))));
      } else {
        // jls.c: "%6d  %-15s %-29s %s"; further addresses of a jail on lines of their own.
        // Hostnames, paths (and a tree's addresses) are the jail's bytes: shown as text, `?` for controls.
        let out = '   JID  IP Address      Hostname                      Path\n';
        for (const j of jails) {
          const jid = String(j.jid ?? '-').padStart(6);
          out += `${jid}  ${displayText(j.ips[0] ?? '-').padEnd(15)} ${displayText(j.hostname).padEnd(29)} ${displayText(j.path ?? '-')}\n`;
          for (const ip of j.ips.slice(1)) out += `${''.padStart(6)}  ${displayText(ip)}\n`;
        }
        printLine(out);
      }
      for (const err of bad) process.exitCode = reportError(err);
    } finally {
      await fs.close();
    }
  },
};
