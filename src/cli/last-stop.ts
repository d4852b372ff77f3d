/**
 * Which thread a one-shot command left its target stopped in, for the next one-shot command.
 *
 * gdb keeps the process, so it knows which thread stopped; pdbg's one-shot commands detach
 * between commands, and a re-attach stops every thread alike, so `pdbg run PID --until tick`
 * (a hit in thread 4632) followed by `pdbg regs PID` would show the main thread. The record is
 * one small file per target in pdbg's own runtime directory: `/run/pdbg` for root, else
 * `$XDG_RUNTIME_DIR/pdbg` (none: nothing is remembered). It names the process by pid and start
 * time (a reused pid is another process) and the thread by tid and pc; it is believed only
 * while that thread still exists and is still at that pc, so a stale record is harmless.
 *
 * Nothing outside pdbg's own files is touched: the directory is created 0700, used only if it is
 * a real directory owned by this user and closed to others, and files are opened O_NOFOLLOW.
 */
import { closeSync, constants, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Session } from '../engine/session.js';
import { parseStatusBytes } from '../procfs/status.js';
import type { ProcFs } from '../procfs/source.js';

interface Record {
  readonly tid: number;
  readonly pc: string;
}

function stateDir(): string | undefined {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  const base = uid === 0 ? '/run' : process.env.XDG_RUNTIME_DIR;
  if (!base) return undefined;
  const dir = join(base, 'pdbg');
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
  }
  try {
    const st = lstatSync(dir);
    if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) return undefined;
  } catch {
    return undefined;
  }
  return dir;
}

/** `PID-START`: the process's identity, from its status node (any source serves it). */
async function identity(fs: ProcFs, pid: number): Promise<string | undefined> {
  try {
    const st = parseStatusBytes(await fs.read(pid, 'status'));
    return `${pid}-${st.start.sec}.${st.start.usec}`;
  } catch {
    return undefined;
  }
}

/**
 * Makes the thread the previous one-shot command stopped in current again, when it still is
 * where that command left it. A `--tid` given by the user wins (the caller does not call this).
 */
export async function resumeLastThread(s: Session): Promise<void> {
  const dir = stateDir();
  const id = dir && (await identity(s.fs, s.pid));
  if (!dir || !id) return;
  let rec: Record;
  try {
    const fd = openSync(join(dir, id), constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      rec = JSON.parse(readFileSync(fd, 'utf8')) as Record;
    } finally {
      closeSync(fd);
    }
  } catch {
    return;
  }
  if (!Number.isInteger(rec.tid) || typeof rec.pc !== 'string' || rec.tid === s.current) return;
  try {
    if (!(await s.fs.threads(s.pid)).includes(rec.tid)) return;
    if ((await s.pc(rec.tid)).toString(16) !== rec.pc) return;
    await s.select(rec.tid);
  } catch {
    /* the record is a hint: any doubt, and the default thread stays */
  }
}

/**
 * Remembers the thread this command's last stop was in, for the next one-shot command (forgets
 * it for the main thread). A command that only looked (`regs --tid N`) stopped nothing and
 * changes nothing.
 */
export async function rememberLastThread(s: Session): Promise<void> {
  const last = s.lastStop;
  if (last.kind === 'attached' || !('tid' in last)) return;
  const dir = stateDir();
  const id = dir && (await identity(s.fs, s.pid));
  if (!dir || !id) return;
  const path = join(dir, id);
  prune(dir);
  if (last.tid === s.pid || s.state !== 'stopped') {
    try {
      unlinkSync(path);
    } catch {
      /* none */
    }
    return;
  }
  let pc: bigint;
  try {
    pc = await s.pc(last.tid);
  } catch {
    return;
  }
  try {
    const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
    try {
      writeSync(fd, JSON.stringify({ tid: last.tid, pc: pc.toString(16) } satisfies Record));
    } finally {
      closeSync(fd);
    }
  } catch {
    /* not remembered: the next command starts at the main thread */
  }
}

/** Drops the records of processes that are gone (their pid has no /proc entry or another start). */
function prune(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = /^(\d+)-/.exec(name)?.[1];
    if (pid === undefined) continue;
    try {
      lstatSync(`/proc/${pid}`);
    } catch {
      try {
        unlinkSync(join(dir, name));
      } catch {
        /* raced */
      }
    }
  }
}
