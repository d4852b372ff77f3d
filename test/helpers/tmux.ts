import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { reap, track } from './reaper.js';

/**
 * A real terminal for TUI tests: a tmux server of its own (`tmux -L pdbg-test-PID-N`), so tests
 * never touch a user's tmux, with sessions of a chosen size and TERM. Keys go in with
 * `send-keys`, the screen comes back with `capture-pane -p` (what a person sees, no colours).
 */
let counter = 0;
/** Socket name → socket file: kill-server leaves the file behind, so the tests remove it. */
const servers = new Map<string, string>();

function killServer(socket: string): void {
  spawnSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  const path = servers.get(socket);
  if (path) rmSync(path, { force: true });
  servers.delete(socket);
}

export interface TmuxPane {
  readonly socket: string;
  readonly session: string;
  /** Sends tmux key names (`q`, `C-c`, `Enter`, `F5`) or, with literal, text. */
  keys(keys: string[] | string, literal?: boolean): void;
  /** The visible screen, one string per row. */
  screen(): string[];
  /** Polls the screen until `test` is true; rejects with the last screen after `ms`. */
  waitFor(test: RegExp | ((screen: string) => boolean), ms?: number): Promise<string>;
  resize(cols: number, rows: number): void;
  /** The pid of the program running in the pane (pdbg's node). */
  panePid(): number;
  /** Whether the pane's program is still running. */
  alive(): boolean;
  /** Kills the session: the pane's terminal closes and its program gets SIGHUP. */
  kill(): void;
}

function tmux(socket: string, args: string[]): string {
  return execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Starts `argv` in a new detached session of `cols`x`rows` with TERM set. The pane stays open
 * after the program exits (remain-on-exit) so its last screen can be read.
 */
export function startInTmux(argv: string[], opts: { cols?: number; rows?: number; term?: string; env?: Record<string, string> } = {}): TmuxPane {
  const socket = `pdbg-test-${process.pid}-${++counter}`;
  const session = 'main';
  servers.set(socket, '');
  track('tmux', () => killServer(socket));
  const env = { TERM: opts.term ?? 'xterm-256color', ...opts.env };
  const exports = Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`).join(' ');
  const cmd = `env ${exports} ${argv.map(shellQuote).join(' ')}`;
  tmux(socket, ['-f', '/dev/null', 'new-session', '-d', '-s', session, '-x', String(opts.cols ?? 80), '-y', String(opts.rows ?? 24), cmd]);
  servers.set(socket, tmux(socket, ['display-message', '-p', '#{socket_path}']).trim());
  tmux(socket, ['set-option', '-t', session, 'remain-on-exit', 'on']);
  tmux(socket, ['set-option', '-t', session, 'status', 'off']);
  // tmux would otherwise keep the window at its first client's size.
  tmux(socket, ['set-window-option', '-t', session, 'window-size', 'manual']);
  const screen = () => tmux(socket, ['capture-pane', '-p', '-t', session]).split('\n');
  return {
    socket,
    session,
    keys(keys, literal = false) {
      const list = Array.isArray(keys) ? keys : [keys];
      tmux(socket, ['send-keys', '-t', session, ...(literal ? ['-l'] : []), ...list]);
    },
    screen,
    async waitFor(test, ms = 15_000) {
      const t0 = Date.now();
      let last = '';
      for (;;) {
        try {
          last = screen().join('\n');
        } catch {
          // Server gone: keep the last screen for the message.
        }
        if (typeof test === 'function' ? test(last) : test.test(last)) return last;
        if (Date.now() - t0 > ms) throw new Error(`tmux: no ${String(test)} on screen after ${ms} ms; screen:\n${last}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    resize(cols, rows) {
      tmux(socket, ['resize-window', '-t', session, '-x', String(cols), '-y', String(rows)]);
    },
    panePid() {
      return Number(tmux(socket, ['display-message', '-p', '-t', session, '#{pane_pid}']).trim());
    },
    alive() {
      try {
        return tmux(socket, ['display-message', '-p', '-t', session, '#{pane_dead}']).trim() === '0';
      } catch {
        return false;
      }
    },
    kill() {
      killServer(socket);
    },
  };
}

/** Ends every tmux server the tests started (afterAll). */
export function killAllTmux(): void {
  reap('tmux');
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
