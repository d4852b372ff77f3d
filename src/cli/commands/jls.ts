import type { Argv, CommandModule } from 'yargs';
import { printJson, printLine } from '../output.js';

interface JlsArgs {
  'proc-root'?: string;
  json?: boolean;
}

/** `pdbg jls`: FreeBSD jls's default table over Linux UTS namespaces (spec §7). */
export const jlsCommand: CommandModule<object, JlsArgs> = {
  command: 'jls',
  describe: 'list jails (UTS namespaces): JID, IP address, hostname, root path',
  builder: (y: Argv) => y.option('json', { type: 'boolean', describe: 'print an array of objects' }) as unknown as Argv<JlsArgs>,
  handler: async (argv) => {
    const { listJails } = await import('../../procfs/jail.js');
    const { openProcFs } = await import('../../procfs/sources/open.js');
    const fs = await openProcFs(argv['proc-root']);
    try {
      const jails = await listJails(fs);
      if (argv.json) {
        printJson(jails.map((j) => ({ ...j, processes: j.pids.length })));
        return;
      }
      // jls.c: "%6d  %-15s %-29s %s"; further addresses of a jail on lines of their own.
      let out = '   JID  IP Address      Hostname                      Path\n';
      for (const j of jails) {
        const jid = String(j.jid ?? '-').padStart(6);
        out += `${jid}  ${(j.ips[0] ?? '-').padEnd(15)} ${j.hostname.padEnd(29)} ${j.path ?? '-'}\n`;
        for (const ip of j.ips.slice(1)) out += `${''.padStart(6)}  ${ip}\n`;
      }
      printLine(out);
    } finally {
      await fs.close();
    }
  },
};
