import type { CommandModule } from 'yargs';
import { jlsCommand } from './jls.js';
import { psCommand } from './ps.js';
import { snapshotCommand } from './snapshot.js';
import { statusCommand } from './status.js';

/**
 * Every `pdbg` subcommand, one module each in this folder. Help and dispatch come from this
 * table; the TUI's command line has its own table in src/tui/commands.ts over the same engine.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [
  psCommand,
  jlsCommand,
  statusCommand,
  snapshotCommand,
];
