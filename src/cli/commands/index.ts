import type { CommandModule } from 'yargs';
import { attachCommand } from './attach.js';
import { btCommand } from './bt.js';
import { ctlCommand } from './ctl.js';
import { detachCommand } from './detach.js';
import { debugCommand } from './debug.js';
import { jlsCommand } from './jls.js';
import { memCommand } from './mem.js';
import { noteCommand } from './note.js';
import { notepgCommand } from './notepg.js';
import { psCommand } from './ps.js';
import { regsCommand } from './regs.js';
import { runCommand } from './run.js';
import { scriptCommand } from './script.js';
import { serveCommand } from './serve.js';
import { snapshotCommand } from './snapshot.js';
import { startCommand } from './start.js';
import { statusCommand } from './status.js';
import { stepCommand } from './step.js';
import { traceCommand } from './trace.js';

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
  attachCommand,
  debugCommand,
  startCommand,
  ctlCommand,
  stepCommand,
  runCommand,
  regsCommand,
  btCommand,
  traceCommand,
  memCommand,
  noteCommand,
  notepgCommand,
  detachCommand,
  scriptCommand,
  serveCommand,
];
