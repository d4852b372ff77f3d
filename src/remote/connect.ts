import { spawn } from 'node:child_process';
import { ProcfsError } from '../procfs/errors.js';
import { RemoteProcFs, type RemoteOptions } from './remote-procfs.js';

export interface ConnectOptions extends RemoteOptions {
  /** Extra environment for the command (merged over this process's). */
  readonly env?: Readonly<Record<string, string>>;
  /** Where the agent's stderr goes: ours (default, its one-line errors reach the user) or nowhere. */
  readonly stderr?: 'inherit' | 'ignore';
}

/**
 * Starts `command` (`['node', 'bin/pdbg.js', 'serve', '--stdio']`, later an ssh command line)
 * and speaks the protocol over its stdin/stdout. When the command exits, every pending and
 * later request fails with EIO `connection to the agent lost: …`; closing the source ends the
 * command's stdin, which the agent takes as the end of the session.
 */
export async function connectAgent(command: readonly string[], opts: ConnectOptions = {}): Promise<RemoteProcFs> {
  if (command.length === 0) throw new ProcfsError('EINVAL', 'no agent command given');
  const child = spawn(command[0]!, command.slice(1), {
    stdio: ['pipe', 'pipe', opts.stderr ?? 'inherit'],
    env: opts.env ? { ...process.env, ...opts.env } : process.env,
  });
  const started = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err) => reject(new ProcfsError('EIO', `cannot start the agent ${command[0]}: ${err.message}`)));
  });
  await started;
  const remote = RemoteProcFs.connect(child.stdout!, child.stdin!, {
    ...opts,
    name: opts.name ?? command.join(' '),
    // A protocol error or a passed deadline ends the agent too: it must not outlive the source.
    onLost: (reason) => {
      child.kill('SIGKILL');
      opts.onLost?.(reason);
    },
  });
  child.once('exit', (code, signal) => {
    remote.then(
      (r) => r.lose(signal ? `the agent was killed by ${signal}` : `the agent exited with status ${code}`),
      () => undefined,
    );
  });
  try {
    const r = await remote;
    // The agent process must not keep this one alive once the source is closed.
    child.unref();
    return r;
  } catch (err) {
    child.kill('SIGTERM');
    throw err;
  }
}
