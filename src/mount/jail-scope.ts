/**
 * Jail scoping of the mount, as FreeBSD's procfs shows a jailed process only its own jail
 * (`p_cansee` → `prison_check`), and as Emulab's proxy makes sure "there is no spoofing of the
 * jail id": the caller's jail is never taken from the request, it is read from the kernel's view
 * of the calling process (its UTS namespace), on the daemon's machine.
 *
 * - A caller in the daemon's own UTS namespace is on the host: it sees every process.
 * - A caller in another one is jailed: it sees the processes whose `jail` node has its
 *   namespace's jid (the inode; 0 for the host's namespace, as the node numbers it).
 * - Over a chain (the source is another machine's) a jailed local caller sees nothing: no
 *   namespace of this machine is a jail over there.
 * - A caller the daemon cannot place (pid 0: not in our pid namespace; its namespace link gone
 *   or unreadable) is jailed with no jail: it sees nothing (fail closed).
 */
import { utsInode } from './local-procs.js';

export type CallerScope =
  | { readonly kind: 'host' }
  | { readonly kind: 'jail'; readonly jid: number }
  | { readonly kind: 'nowhere'; readonly why: string };

export interface JailScopeOptions {
  /** The source's processes are this machine's, so its jids are this machine's namespaces. */
  readonly sameMachine: boolean;
  /** The daemon's machine's /proc (the callers'), default /proc. */
  readonly procRoot?: string;
}

export class JailScope {
  private readonly procRoot: string;
  private readonly own: number | undefined;
  /** The namespace the `jail` node numbers 0 (pid 1's, else kthreadd's). */
  private readonly host: number | undefined;

  constructor(private readonly opts: JailScopeOptions) {
    this.procRoot = opts.procRoot ?? '/proc';
    this.own = utsInode('self', this.procRoot);
    this.host = utsInode(1, this.procRoot) ?? utsInode(2, this.procRoot) ?? this.own;
  }

  /** Where the calling thread `pid` stands. */
  scopeOf(pid: number): CallerScope {
    if (pid <= 0) return { kind: 'nowhere', why: 'the caller is not in the daemon\'s pid namespace' };
    const ns = utsInode(pid, this.procRoot);
    if (ns === undefined || this.own === undefined) return { kind: 'nowhere', why: `the caller's (pid ${pid}) namespace cannot be read` };
    if (ns === this.own) return { kind: 'host' };
    if (!this.opts.sameMachine) return { kind: 'nowhere', why: 'a jailed caller sees nothing of another machine' };
    return { kind: 'jail', jid: ns === this.host ? 0 : ns };
  }
}

/** True when a caller in `scope` sees a process whose `jail` node says `jid`. */
export function sees(scope: CallerScope, jid: number | null): boolean {
  switch (scope.kind) {
    case 'host':
      return true;
    case 'nowhere':
      return false;
    case 'jail':
      return jid !== null && jid === scope.jid;
  }
}
