import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../errors.js';

interface ServeArgs {
  'proc-root'?: string;
  stdio?: boolean;
}

/**
 * `pdbg serve --stdio`: the agent (src/remote/agent.ts) on stdin/stdout. stdout carries only
 * protocol frames; every word for a person goes to stderr. Exit status 0 when the client
 * closes or its stream ends (after releasing what it left traced), 1 on a protocol error.
 */
export const serveCommand: CommandModule<object, ServeArgs> = {
  command: 'serve',
  describe: 'serve the procfs to a remote pdbg over stdin/stdout (the agent end of --via)',
  builder: (y: Argv) => y.option('stdio', { type: 'boolean', describe: 'speak the protocol on stdin/stdout' }) as unknown as Argv<ServeArgs>,
  handler: async (argv) => {
    if (!argv.stdio) throw new UsageError('serve: name the transport (--stdio)');
    const { openProcFs } = await import('../../procfs/sources/open.js');
    const { serveProcFs } = await import('../../remote/agent.js');
    const fs = await openProcFs(argv['proc-root']);
    const agent = serveProcFs(fs, process.stdin, process.stdout);
    const onSignal = (sig: NodeJS.Signals) => void agent.stop('signal', `terminated by ${sig}`);
    process.on('SIGTERM', onSignal);
    process.on('SIGHUP', onSignal);
    // SIGPIPE is ignored by Node; a client gone mid-write shows up as an output error instead.
    process.on('exit', () => agent.releaseNowSync());
    const end = await agent.done;
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    if (end.how === 'protocol') {
      process.stderr.write(`pdbg serve: ${end.message ?? 'protocol error'}\n`);
      process.exitCode = 1;
    } else if (end.how === 'signal') {
      process.exitCode = end.message?.includes('SIGHUP') ? 129 : 143;
    } else {
      process.exitCode = 0;
    }
    if (end.released > 0) process.stderr.write(`pdbg serve: the client went away; released ${end.released === 1 ? 'the target' : `${end.released} targets`}\n`);
    // A client that never closed our stdin (a signal ended the session) must not keep us alive;
    // the last replies are flushed first.
    const out = process.stdout;
    if (!out.writableFinished && !out.destroyed) await new Promise<void>((res) => (out.writableEnded ? out.once('finish', res).once('error', res) : out.end(res)));
    process.stdin.destroy();
    process.exit();
  },
};
