import type { Argv, CommandModule } from 'yargs';

/**
 * Every `pdbg` subcommand, one module each in this folder, as `pdbg --help` lists it: its
 * command line, aliases and one-line description here, its options and handler in its module,
 * loaded only when that command runs or its own --help is asked. So `pdbg ps` loads ps.ts and
 * what its handler imports, never the engine, the TUI or the disassembler (each module cost
 * 1-20 ms to load, ~40 ms for the whole table, measured here). The debugger's own commands
 * (`pdbg script`, the TUI's command line) are the other table, src/commands/commands.ts; the
 * one-shots among these (regs, mem, bt, step, run) call its entries with typed arguments.
 * docs/commands/ is generated from both (src/cli/command-docs.ts).
 *
 * A new command is one entry: `{ command, describe, load: async () => (await import('./x.js')).xCommand }`,
 * with `command`, `aliases` and `describe` as the module's own (test/cli-commands.test.ts
 * checks they agree).
 */
export interface CommandEntry {
  /** yargs' command spec, positionals included: `status <pid>`. */
  readonly command: string;
  readonly aliases?: readonly string[];
  readonly describe: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly load: () => Promise<CommandModule<any, any>>;
}

export const CLI_COMMANDS: readonly CommandEntry[] = [
  { command: 'ps', describe: 'list processes with their jail (like FreeBSD ps -J / -o jail,jid)', load: async () => (await import('./ps.js')).psCommand },
  { command: 'jls', describe: 'list jails (UTS namespaces): JID, IP address, hostname, root path', load: async () => (await import('./jls.js')).jlsCommand },
  { command: 'status <pid>', describe: "print a process's status node (FreeBSD procfs status line)", load: async () => (await import('./status.js')).statusCommand },
  { command: 'snapshot [pids..]', describe: 'write processes as a BSD-layout tree (DIR/PID/status, cmdline, map, …)', load: async () => (await import('./snapshot.js')).snapshotCommand },
  { command: 'attach <pid>', describe: 'open the terminal debugger on a running process (q detaches; the target runs on)', load: async () => (await import('./attach.js')).attachCommand },
  { command: 'debug [program..]', describe: 'start a program under the terminal debugger: pdbg debug -- CMD ARGS…', load: async () => (await import('./debug.js')).debugCommand },
  { command: 'start [cmd..]', describe: 'start a program stopped at its first instruction; print its pid', load: async () => (await import('./start.js')).startCommand },
  { command: 'ctl <pid> <words..>', describe: 'write control words (attach wait step run detach, a signal…) to a process\'s ctl', load: async () => (await import('./ctl.js')).ctlCommand },
  { command: 'step <pid>', describe: 'execute N instructions of a stopped process and leave it stopped', load: async () => (await import('./step.js')).stepCommand },
  { command: 'run <pid>', describe: 'resume a process until it stops (or --until an address/symbol) or exits', load: async () => (await import('./run.js')).runCommand },
  { command: 'regs <pid>', describe: 'show (and --set) the registers of a process; a read leaves it as found', load: async () => (await import('./regs.js')).regsCommand },
  { command: 'bt <pid>', aliases: ['backtrace'], describe: 'print the call stack of a thread (CFI unwinding); the target is left as found', load: async () => (await import('./bt.js')).btCommand },
  { command: 'mem <pid> <addr> [len]', describe: 'dump LEN bytes at an address or symbol, or --write hex bytes there', load: async () => (await import('./mem.js')).memCommand },
  { command: 'note <pid> <signal>', describe: 'send a signal to a process (the note node): hup, usr1, term, SIGTERM, 15…', load: async () => (await import('./note.js')).noteCommand },
  { command: 'notepg <pgid> <signal>', describe: 'send a signal to every process of a process group (the notepg node)', load: async () => (await import('./notepg.js')).notepgCommand },
  { command: 'detach <pid>', describe: 'release a process: stop tracing it and let it run (SIGCONT)', load: async () => (await import('./detach.js')).detachCommand },
  { command: 'script <pid> <file>', describe: 'run debugger commands from a file (- for stdin) in one session', load: async () => (await import('./script.js')).scriptCommand },
  { command: 'mount <dir>', describe: 'serve the procfs as files at DIR (FUSE), in the foreground, until umount DIR or Ctrl-C', load: async () => (await import('./mount.js')).mountCommand },
  { command: 'trace [target] [syms]', describe: 'trace function calls: pdbg trace PID SYM[,SYM…], or pdbg trace SYM[,SYM…] -- CMD ARGS…', load: async () => (await import('./trace.js')).traceCommand },
  { command: 'serve', describe: 'serve the procfs to a remote pdbg over stdin/stdout (the agent end of --via)', load: async () => (await import('./serve.js')).serveCommand },
];

/**
 * The table as yargs command modules: the builder (yargs runs only the chosen command's, and
 * awaits it under parseAsync) and the handler load the module first.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function commands(): CommandModule<any, any>[] {
  return CLI_COMMANDS.map((e) => ({
    command: e.command,
    ...(e.aliases ? { aliases: [...e.aliases] } : {}),
    describe: e.describe,
    builder: async (y: Argv) => {
      const { builder } = await e.load();
      if (typeof builder === 'function') return builder(y);
      return builder ? y.options(builder) : y;
    },
    handler: async (argv) => (await e.load()).handler(argv),
  }));
}
