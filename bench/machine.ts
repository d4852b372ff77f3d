import { readFileSync } from 'node:fs';
import os from 'node:os';

/** What the table ran on, printed above it. */
export interface Machine {
  cpu: string;
  cores: number;
  memGiB: number;
  kernel: string;
  node: string;
  /** 1, 5, 15-minute load averages when the bench started: other work on the box skews numbers. */
  load: number[];
  date: string;
}

export function describeMachine(): Machine {
  let cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1]!.trim();
  } catch {
    /* os.cpus() is good enough */
  }
  return {
    cpu,
    cores: os.availableParallelism?.() ?? os.cpus().length,
    memGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: os.release(),
    node: process.version,
    load: os.loadavg(),
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  };
}
