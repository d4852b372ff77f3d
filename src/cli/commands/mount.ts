import { constants as osConstants } from 'node:os';
import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../errors.js';

/** The signals that unmount and end the daemon: Ctrl-C, `kill`, a closed terminal. */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** How long an orderly end (unmount, release) may take before the synchronous fallback. */
const STOP_MS = 5000;

interface MountArgs {
  'proc-root'?: string;
  via?: string | string[];
  dir: string;
  'allow-other'?: boolean;
}

/**
 * `pdbg mount [--allow-other] DIR`: the procfs (src/mount/procfs-fs.ts) served at DIR over FUSE,
 * in the foreground, over the source every command uses (the live system, --proc-root, --via).
 * It ends on SIGINT, SIGTERM, SIGHUP, or `umount DIR` / `fusermount3 -u DIR` from outside;
 * every way, the targets that callers left attached are released first (detached, running as
 * found), and on 'exit' synchronously: the daemon registers with the exit guard, which takes
 * those three signals and fatal errors the mount's way (unmount first) and any other the guard's. SIGKILL leaves the unmount to the
 * mount's watchdog (auto_unmount) and the detach to the kernel (a dead tracer's tracees run on).
 * One line on stderr when mounted, one when stopped; stdout stays empty.
 */
export const mountCommand: CommandModule<object, MountArgs> = {
  command: 'mount <dir>',
  describe: 'serve the procfs as files at DIR (FUSE), in the foreground, until umount DIR or Ctrl-C',
  builder: (y: Argv) =>
    y
      .positional('dir', { type: 'string', describe: 'an empty directory to mount on' })
      .option('allow-other', { type: 'boolean', describe: 'let every user reach the mount (FUSE allow_other); by default only you and root can' }) as unknown as Argv<MountArgs>,
  handler: async (argv) => {
    const dir = String(argv.dir ?? '');
    if (dir === '') throw new UsageError('mount: name the directory to mount on');
    const { checkMountPoint } = await import('../../mount/mount-point.js');
    checkMountPoint(dir);
    const { openSource } = await import('../source.js');
    const { ProcfsFilesystem } = await import('../../mount/procfs-fs.js');
    const { mountFuse } = await import('../../fuse/mount.js');
    const { FuseSession } = await import('../../fuse/session.js');
    const { guard, takeFatal, takeSignal } = await import('../../procfs/exit-guard.js');
    const { releaseSync, withTimeout } = await import('../../procfs/release.js');
    const fs = await openSource(argv);
    const debug = process.env.PDBG_DEBUG ? (line: string) => process.stderr.write(`pdbg mount: ${line}\n`) : undefined;
    // The source's processes are this machine's only when its files are (the live local source):
    // then jailed callers see their own jail, and curproc means something.
    let mount: Awaited<ReturnType<typeof mountFuse>> | undefined;
    const fsys = new ProcfsFilesystem(fs, {
      sameMachine: fs.capabilities.hostFiles !== undefined,
      ...(debug && { log: debug }),
      // What a SIGKILL of this daemon would leave planted, for the watchdog to put back.
      onPlanted: (bytes) => mount?.planted?.(bytes),
    });
    // The int3 bytes callers left (the journal) go back with each target's release.
    const syncRelease = () => {
      for (const pid of fsys.controllers.pids()) releaseSync(fs, pid, fsys.controllers.journal.restores(pid));
    };
    const unguard = guard({ release: async () => void (await fsys.releaseAll()), releaseSync: syncRelease });
    try {
      mount = await mountFuse(dir, { allowOther: argv['allow-other'] === true, fsName: 'pdbg' });
    } catch (e) {
      await fs.close().catch(() => undefined);
      unguard();
      // A mount refused (no /dev/fuse, not permitted, the directory swapped meanwhile) is one line, status 1.
      const { ProcfsError } = await import('../../procfs/errors.js');
      if (e instanceof Error && e.name === 'MountError') throw new ProcfsError((e as Error & { code: string }).code, e.message);
      throw e;
    }
    const session = FuseSession.start(mount, fsys, debug ? { log: debug } : {});
    let signalled: (typeof SIGNALS)[number] | undefined;
    const onSignal = (sig: (typeof SIGNALS)[number]) => {
      if (signalled) {
        // A second signal while stopping: stop being polite.
        syncRelease();
        process.exit(128 + (osConstants.signals[sig] ?? 0));
      }
      signalled = sig;
      void session.stop();
    };
    for (const sig of SIGNALS) takeSignal(sig, () => onSignal(sig));
    takeFatal((err: unknown) => {
      process.stderr.write(`pdbg: internal error: ${(err as Error)?.message ?? String(err)}; unmounting\n`);
      if (process.env.PDBG_DEBUG && (err as Error)?.stack) process.stderr.write(`${(err as Error).stack}\n`);
      process.exitCode = 70;
      void session.stop();
    });
    const n = (await fs.pids().catch(() => [])).length;
    process.stderr.write(`pdbg: serving ${n} processes at ${dir}; umount ${dir} or Ctrl-C to stop\n`);
    await session.done;
    debug?.(`requests served: ${JSON.stringify(session.stats())}`);
    const released = (await withTimeout(fsys.releaseAll(), STOP_MS)) ?? 0;
    await withTimeout(fs.close().catch(() => undefined), STOP_MS);
    for (const sig of SIGNALS) takeSignal(sig, undefined);
    takeFatal(undefined);
    unguard();
    const how = signalled ? `on ${signalled}` : process.exitCode === 70 ? 'after an internal error' : 'by umount';
    const what = released === 0 ? '' : `; released ${released === 1 ? 'the target' : `${released} targets`} callers left attached`;
    process.stderr.write(`pdbg: ${dir} unmounted ${how}${what}\n`);
    if (signalled) process.exitCode = 128 + (osConstants.signals[signalled] ?? 0);
    // The tracer's worker thread or a source's stream must not keep a finished daemon alive.
    process.exit();
  },
};
