/**
 * `pdbg script`: many commands in one session, like gdb's batch mode. One command a line from
 * the shared table (commands.ts); blank lines and `#` comments are skipped. Each command is
 * echoed with its result; the first error stops the script with a message naming its line.
 */
import { ProcfsError } from '../procfs/errors.js';
import type { Client } from './client.js';
import { runCommandLine, type CommandOutput } from './commands.js';

export interface ScriptLine {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly text: string;
}

export interface ScriptStep extends ScriptLine {
  readonly output: CommandOutput;
}

export function parseScript(text: string): ScriptLine[] {
  const out: ScriptLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const t = raw.replace(/\s+#.*$/, '').trim();
    if (t && !t.startsWith('#')) out.push({ line: i + 1, text: t });
  });
  return out;
}

/**
 * Runs every line in order; `onStart` sees each line before it runs and `onStep` its result as
 * it happens (the CLI prints there, so what the engine says meanwhile — a pending breakpoint
 * planted during a `continue` — comes between the command and its result). Errors become
 * ProcfsError `script line N: …`.
 */
export async function runScript(c: Client, text: string, onStep?: (step: ScriptStep) => void, onStart?: (line: ScriptLine) => void): Promise<ScriptStep[]> {
  const s = c.session;
  const steps: ScriptStep[] = [];
  // gdb's batch mode: `break` on a name nothing defines is an error, not a wait for ever.
  if (c.pendingMode === 'auto') c.pendingMode = 'off';
  for (const l of parseScript(text)) {
    // Released meanwhile (Ctrl-C during a `continue`): the script ends there, no later line runs.
    if (s.released) break;
    onStart?.(l);
    let output: CommandOutput;
    try {
      output = await runCommandLine(c, l.text);
    } catch (err) {
      const e = err as Error;
      const code = err instanceof ProcfsError ? err.code : 'EINVAL';
      throw new ProcfsError(code, `script line ${l.line} (${l.text}): ${e.message}`, s.pid);
    }
    const step = { ...l, output };
    steps.push(step);
    onStep?.(step);
    // gdb's batch mode ends at `quit`; the target is left as the script promised.
    if (output.command?.name === 'quit') break;
  }
  return steps;
}
