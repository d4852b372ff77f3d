/**
 * The CLI's input and output edges: a reader that leaves early, numbers that do not fit, and the
 * one clear line every malformed argument gets.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pdbgBin, type CliResult } from './helpers/cli.js';

/** `pdbg ARGS…` with stdout on a pipe the test closes before pdbg writes a byte. */
function withReaderGone(args: string[]): Promise<CliResult> {
  const child = spawn(process.execPath, [pdbgBin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  // Closed at once: pdbg's first write (tens of ms later, after Node starts) finds no reader.
  child.stdout.destroy();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((res) => child.on('close', (status, signal) => res({ status, signal, stdout: '', stderr })));
}

describe('output whose reader has gone', () => {
  it('pdbg ps into a closed pipe (| head -1): no EPIPE stack, status 0', async () => {
    for (const args of [['ps'], ['ps', '--json'], ['--help']]) {
      const r = await withReaderGone(args);
      expect(r.stderr, args.join(' ')).toBe('');
      expect(r.status, args.join(' ')).toBe(0);
    }
  });

  it('a write that fails otherwise (/dev/full: ENOSPC) is one line and status 1', async () => {
    const fd = openSync('/dev/full', 'w');
    try {
      const child = spawn(process.execPath, [pdbgBin, 'ps'], { stdio: ['ignore', fd, 'pipe'] });
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const status = await new Promise<number | null>((res) => child.on('close', (s) => res(s)));
      expect(stderr).toBe('pdbg: cannot write output: ENOSPC\n');
      expect(status).toBe(1);
    } finally {
      closeSync(fd);
    }
  });
});
