import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real OpenSSH server on loopback, for the chain tests (test/helpers/sshd.ts re-exports this)
 * and the bench's ssh rows: its own host key, a user key that is its only authorized key, and
 * HOME set (SetEnv) to a fresh directory, so the far side starts with no pdbg cache at all.
 */
export interface Sshd {
  readonly port: number;
  /** The far side's HOME (the session's, whatever root's passwd entry says). */
  readonly home: string;
  /** PDBG_SSH for this server: the user key, no known_hosts, no user ssh config. */
  readonly sshCommand: string;
  /** `ssh:root@127.0.0.1:PORT` (the first listen address) */
  readonly hop: string;
  stop(): void;
}

const SSHD = '/usr/sbin/sshd';

/** Why sshd cannot run here (a test then skips, printing it), or null. */
export function sshdMissing(): string | null {
  if (!existsSync(SSHD)) return `${SSHD} is not installed (scripts/system-deps.sh installs openssh-server)`;
  if (spawnSync('ssh', ['-V']).error) return 'no ssh client (openssh-client)';
  if (process.getuid?.() !== 0) return 'sshd runs as root here (sshd needs its privilege separation)';
  return null;
}

/** A port nobody listens on right now (the kernel's pick, released). */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((res) => {
    const c = createConnection({ host, port });
    c.once('connect', () => {
      c.destroy();
      res(true);
    });
    c.once('error', () => res(false));
  });
}

function keygen(path: string): void {
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'pdbg-sshd', '-f', path]);
  if (r.status !== 0) throw new Error(`ssh-keygen ${path}: ${r.stderr}`);
}

const live = new Set<ChildProcess>();

export interface SshdOptions {
  /** Loopback addresses to listen on (default 127.0.0.1 only): several give a fan-out distinct hosts. */
  readonly listen?: readonly string[];
  /** Called with the sshd process as soon as it is spawned (the bench tracks it for its clean-up). */
  readonly onSpawn?: (child: ChildProcess) => void;
}

/** Starts sshd -D on a free port; resolves once it accepts connections (on the first address). */
export async function startSshd(opts: SshdOptions = {}): Promise<Sshd> {
  const listen = opts.listen?.length ? opts.listen : ['127.0.0.1'];
  const dir = mkdtempSync(join(tmpdir(), 'pdbg-sshd-'));
  const home = join(dir, 'home');
  mkdirSync(home, { mode: 0o700 });
  keygen(join(dir, 'host_key'));
  keygen(join(dir, 'user_key'));
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'user_key.pub')));
  chmodSync(join(dir, 'authorized_keys'), 0o600);
  // sshd's privilege separation directory, which the package makes only at boot.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  writeFileSync(config, [
    `Port ${port}`,
    ...listen.map((a) => `ListenAddress ${a}`),
    `HostKey ${join(dir, 'host_key')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    'StrictModes no',
    'UsePAM no',
    'PermitRootLogin yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    `SetEnv HOME=${home}`,
    'LogLevel ERROR',
    '',
  ].join('\n'));
  const child = spawn(SSHD, ['-D', '-f', config, '-e'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  live.add(child);
  opts.onSpawn?.(child);
  child.on('exit', () => live.delete(child));
  for (let i = 0; !(await accepts(listen[0]!, port)); i++) {
    if (child.exitCode !== null || i > 200) {
      child.kill('SIGKILL');
      throw new Error(`sshd did not start: ${err.trim() || `exit ${child.exitCode}`}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const key = join(dir, 'user_key');
  return {
    port,
    home,
    sshCommand: `ssh -i ${key} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -F /dev/null -o LogLevel=ERROR`,
    hop: `ssh:root@${listen[0]}:${port}`,
    stop() {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Kills every sshd this process started (afterAll, also on a failed start). */
export function stopAllSshd(): void {
  for (const c of live) c.kill('SIGKILL');
}
