import { constants as osConstants } from 'node:os';
import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../errors.js';

/**
 * The signals that end the agent with a release: a dropped ssh session is SIGHUP, a `kill` or a
 * service manager SIGTERM, a Ctrl-C at a terminal running the agent by hand SIGINT.
 */
const SIGNALS = ['SIGTERM', 'SIGHUP', 'SIGINT'] as const;

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
    const { guard, takeSignal } = await import('../../procfs/exit-guard.js');
    const fs = await openProcFs(argv['proc-root']);
    // stdout is the protocol's: a stray console.log anywhere below must not corrupt a frame.
    console.log = console.info = console.debug = (...args: unknown[]) => console.error(...args);
    const agent = serveProcFs(fs, process.stdin, process.stdout);
    let signalled: (typeof SIGNALS)[number] | undefined;
    // The exit guard releases what the client left on any other end of the agent (another
    // signal, an internal error), and synchronously on 'exit'; these three end the session in order.
    const unguard = guard({ release: async () => void (await agent.stop('signal', 'terminated')), releaseSync: () => agent.releaseNowSync() });
    for (const sig of SIGNALS) {
      takeSignal(sig, () => {
        signalled ??= sig;
        void agent.stop('signal', `terminated by ${sig}`);
      });
    }
    // SIGPIPE is ignored by Node; a client gone mid-write shows up as an output error instead.
    const end = await agent.done;
    for (const sig of SIGNALS) takeSignal(sig, undefined);
    unguard();
    const released = end.released === 0 ? '' : `released ${end.released === 1 ? 'the target' : `${end.released} targets`}`;
    // One line on stderr at most: why the session ended, and what was released for the client.
    const why = end.how === 'protocol' || end.how === 'signal' ? end.message : released && 'the client went away';
    if (why) process.stderr.write(`pdbg serve: ${[why, released].filter(Boolean).join('; ')}\n`);
    if (end.how === 'protocol') process.exitCode = 1;
    else if (end.how === 'signal') process.exitCode = 128 + (signalled ? osConstants.signals[signalled] : 0);
    else process.exitCode = 0;
    // A client that never closed our stdin (a signal ended the session) must not keep us alive;
    // the last replies are flushed first.
    const out = process.stdout;
    if (!out.writableFinished && !out.destroyed) await new Promise<void>((res) => (out.writableEnded ? out.once('finish', res).once('error', res) : out.end(res)));
    process.stdin.destroy();
    process.exit();
  },
};
