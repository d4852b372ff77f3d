/**
 * Auto-unmount for a mount made with mount(2): a crashed daemon (even SIGKILL) must not leave
 * a dead mount on which `ls` says "Transport endpoint is not connected". And the int3 bytes the
 * mount's callers planted through `mem`: a SIGKILLed daemon cannot take them out, and the
 * kernel then detaches its tracees and lets them run into them (SIGTRAP, no tracer: death).
 *
 * A small `sh` is started in its own session (so the Ctrl-C or SIGHUP that reaches the
 * daemon's process group never reaches it) with the read end of a pipe as its stdin; only the
 * daemon holds the write end (Node opens its pipes close-on-exec, so no other child inherits
 * it). When the daemon goes, however it goes, the kernel closes that end, the shell's `read`
 * sees EOF, and it lazily unmounts — only if the mount with our id and device is still there,
 * so a file system mounted at the same path later is left alone. A clean unmount closes the
 * pipe too, after which the shell finds nothing of ours and exits.
 *
 * The same pipe carries the journal of planted bytes (planted()): each change is sent whole,
 * `B`, one `R PID START ADDR BYTE` line per int3, `E`, and the shell keeps the last whole set.
 * At EOF, before unmounting, it writes each byte back through /proc/PID/mem where the process
 * is still the one planted into (its start time, /proc/PID/stat field 22) and the byte there is
 * still an int3; after a clean end the daemon sent an empty set, so nothing is written. This is
 * a race, not a guarantee: the kernel resumes the tracees the moment the daemon dies, and a
 * thread that reaches an int3 before the shell has written it back still dies, as does one the
 * daemon had stopped just past an int3 (its pc cannot be rewound without ptrace).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { MountLine } from './mountinfo.js';

// $1 mount id, $2 major:minor, $3 mount point. `umount -l` is umount2(MNT_DETACH), which works
// on a mount whose daemon is gone (it does not stat into it).
const SCRIPT = `trap '' INT QUIT TSTP HUP
set=; cur=
while read -r k rest; do
  case $k in
  B) cur= ;;
  R) cur="$cur$rest
" ;;
  E) set=$cur ;;
  esac
done
printf '%s' "$set" | while read -r pid start addr byte; do
  case "$pid$start$addr$byte" in ''|*[!0-9]*) continue ;; esac
  [ "$(sed 's/.*) //' /proc/$pid/stat 2>/dev/null | cut -d' ' -f20)" = "$start" ] || continue
  [ "$(dd if=/proc/$pid/mem bs=1 skip=$addr count=1 2>/dev/null | od -An -tu1 | tr -d ' ')" = 204 ] || continue
  printf "\\\\$(printf %o "$byte")" | dd of=/proc/$pid/mem bs=1 seek=$addr conv=notrunc 2>/dev/null
done
if grep -q "^$1 [0-9]* $2 " /proc/self/mountinfo; then exec umount -l -- "$3" 2>/dev/null; fi`;

/** An int3 planted through the mount: where, in which process (pid and start time), over which byte. */
export interface PlantedByte {
  readonly pid: number;
  readonly start: string;
  readonly addr: bigint;
  readonly original: number;
}

export interface Watchdog {
  readonly pid: number;
  /** The bytes to put back if the daemon dies now (the whole set, replacing the last). */
  planted(bytes: readonly PlantedByte[]): void;
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
    planted(bytes) {
      if (released || !child.stdin || child.stdin.destroyed) return;
      // Small writes to a pipe: libuv writes them at once, before any later SIGKILL can land.
      child.stdin.write(`B\n${bytes.map((b) => `R ${b.pid} ${b.start} ${b.addr} ${b.original}\n`).join('')}E\n`);
    },
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
