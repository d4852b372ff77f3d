/**
 * Auto-unmount for a mount made with mount(2): a crashed daemon (even SIGKILL) must not leave
 * a dead mount on which `ls` says "Transport endpoint is not connected".
 *
 * A small `sh` is started in its own session (so the Ctrl-C or SIGHUP that reaches the
 * daemon's process group never reaches it) with the read end of a pipe as its stdin; only the
 * daemon holds the write end (Node opens its pipes close-on-exec, so no other child inherits
 * it). When the daemon goes, however it goes, the kernel closes that end, the shell's `read`
 * sees EOF, and it lazily unmounts — only if the mount with our id and device is still there,
 * so a file system mounted at the same path later is left alone. A clean unmount closes the
 * pipe too, after which the shell finds nothing of ours and exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { MountLine } from './mountinfo.js';

// $1 mount id, $2 major:minor, $3 mount point. `umount -l` is umount2(MNT_DETACH), which works
// on a mount whose daemon is gone (it does not stat into it).
const SCRIPT = `trap '' INT QUIT TSTP HUP
while read -r _; do :; done
if grep -q "^$1 [0-9]* $2 " /proc/self/mountinfo; then exec umount -l -- "$3" 2>/dev/null; fi`;

export interface Watchdog {
  readonly pid: number;
  /** Closes the pipe and resolves when the shell has exited. Idempotent. */
  release(): Promise<void>;
}

export function startWatchdog(m: MountLine): Watchdog {
  const child: ChildProcess = spawn('/bin/sh', ['-c', SCRIPT, 'pdbg-fuse-watchdog', String(m.id), m.dev, m.mountPoint], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  child.once('error', () => {
    /* spawn failure: no watchdog; release() still resolves through 'exit' or close */
  });
  // The watchdog must not keep the daemon alive, nor its pipe.
  child.unref();
  child.stdin?.on('error', () => undefined);
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  let released: Promise<void> | undefined;
  return {
    pid: child.pid ?? -1,
    release() {
      if (!released) {
        child.ref();
        child.stdin?.destroy();
        released = child.pid === undefined ? Promise.resolve() : exited;
      }
      return released;
    },
  };
}
