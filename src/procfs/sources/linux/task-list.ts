import { readdirSync, readFileSync } from 'node:fs';

/**
 * What /proc says about a process the tracer is about to take or has let go: its status
 * fields (State, Tgid, PPid, TracerPid) and its thread ids. Null / empty when it is gone.
 */
export function readStatus(procRoot: string, pid: number): Map<string, string> | null {
  try {
    const m = new Map<string, string>();
    for (const line of readFileSync(`${procRoot}/${pid}/status`, 'utf8').split('\n')) {
      const i = line.indexOf(':');
      if (i > 0) m.set(line.slice(0, i), line.slice(i + 1).trim());
    }
    return m;
  } catch {
    return null;
  }
}

export function listTasks(procRoot: string, pid: number): number[] {
  try {
    return readdirSync(`${procRoot}/${pid}/task`).map(Number).sort((a, b) => a - b);
  } catch {
    return [];
  }
}
