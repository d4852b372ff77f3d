import { execFileSync } from 'node:child_process';

/**
 * A private tmux server (`tmux -L pdbg-bench-PID`) for the TUI row: a real terminal that
 * pdbg draws into, keys sent with send-keys, the screen read with capture-pane. `kill()` ends
 * the server and with it every process in its panes.
 */
export class Tmux {
  readonly socket = `pdbg-bench-${process.pid}`;

  private run(args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Starts `argv` in a detached session of the given size, with `env` in its environment. */
  start(argv: readonly string[], env: Record<string, string>, cols = 120, rows = 40): void {
    const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    this.run(['-f', '/dev/null', 'new-session', '-d', '-s', 'bench', '-x', String(cols), '-y', String(rows), ...envArgs, ...argv]);
  }

  sendKeys(...keys: string[]): void {
    this.run(['send-keys', '-t', 'bench', ...keys]);
  }

  screen(): string {
    try {
      return this.run(['capture-pane', '-p', '-t', 'bench']);
    } catch {
      return '';
    }
  }

  /** Polls the screen until `re` matches; the screen's text when it does. */
  async waitFor(re: RegExp, ms = 15_000): Promise<string> {
    const t0 = Date.now();
    for (;;) {
      const s = this.screen();
      if (re.test(s)) return s;
      if (Date.now() - t0 > ms) throw new Error(`tui: no ${re} on screen after ${ms} ms; screen: ${JSON.stringify(s.slice(0, 300))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  kill(): void {
    try {
      this.run(['kill-server']);
    } catch {
      /* not running */
    }
  }
}
