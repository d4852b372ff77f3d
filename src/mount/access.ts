/**
 * Who may do what with a node of the mount: FreeBSD's rules (`p_candebug` in kern_prot.c, the
 * modes of procfs.c), pure, from the caller's credentials in the FUSE request header and the
 * target's as its `status` node gives them.
 *
 * - The readable nodes (status, cmdline, map, etype, jail, maps, the file link) are read by all.
 * - The privileged ones (ctl, mem, regs, fpregs, note, notepg, why: the table's `privileged`)
 *   only by root, or by the target's owner: the caller's uid is the target's real AND effective
 *   uid. A set-id target (euid ≠ ruid or egid ≠ rgid) is root's only, as p_candebug refuses a
 *   process that changed credentials (P_SUGID) to anybody unprivileged.
 * - The mode decides the direction: nobody, root included, writes an `r` node or reads a `w` one.
 *
 * Left out of p_candebug: the "target's groups ⊆ caller's groups" check. The FUSE header has the
 * caller's fsgid only, not its supplementary groups, and a half check would refuse owners
 * running under `sg`; the set-id check covers the gid-changing programs it exists for.
 * A status dialect without ruid/rgid (4.4BSD-Lite, NetBSD: a tree) cannot show ownership: such a
 * target is root's only (fail closed).
 */
import type { NodeMode, NodeSpec } from '../procfs/node.js';

export interface CallerCreds {
  readonly uid: number;
  readonly gid: number;
}

/** The credentials p_candebug looks at, as a `status` node has them. */
export interface TargetCreds {
  readonly euid: number;
  readonly ruid: number | null;
  readonly egid: number;
  readonly rgid: number | null;
}

/** What an open or access(2) asks for. */
export interface Want {
  readonly read: boolean;
  readonly write: boolean;
  readonly exec?: boolean;
}

/** A refusal: the errno and one line for the log. */
export interface Refusal {
  readonly code: 'EACCES' | 'EPERM';
  readonly reason: string;
}

/** The permission bits stat shows for a node of the table (owner: the target's euid). */
export function nodePerm(mode: NodeMode): number {
  switch (mode) {
    case 'r':
      return 0o444;
    case 'w':
      return 0o200;
    case 'rw':
      return 0o600;
  }
}

export const DIR_PERM = 0o555;
export const LINK_PERM = 0o777;

/** The target changed credentials (a set-uid or set-gid program): P_SUGID. */
export function isSetId(t: TargetCreds): boolean {
  return t.ruid === null || t.rgid === null || t.euid !== t.ruid || t.egid !== t.rgid;
}

/** p_candebug: may `caller` read the memory of, control, or stop `target`? */
export function canDebug(caller: CallerCreds, target: TargetCreds): Refusal | null {
  if (caller.uid === 0) return null;
  if (target.ruid === null || target.rgid === null) return { code: 'EACCES', reason: 'the target\'s real ids are unknown: root only' };
  if (caller.uid !== target.euid || caller.uid !== target.ruid) return { code: 'EACCES', reason: `uid ${caller.uid} does not own it (uid ${target.ruid}, euid ${target.euid})` };
  if (isSetId(target)) return { code: 'EACCES', reason: 'a set-id process: root only' };
  return null;
}

/** The access of `want` to node `spec` of `target`; null when granted. */
export function nodeAccess(caller: CallerCreds, target: TargetCreds, spec: NodeSpec, want: Want): Refusal | null {
  if (want.exec) return { code: 'EACCES', reason: `${spec.name}: not executable` };
  if (spec.type === 'link') return want.write ? { code: 'EACCES', reason: `${spec.name}: a link` } : null;
  if (want.read && spec.mode === 'w') return { code: 'EACCES', reason: `${spec.name}: write-only` };
  if (want.write && spec.mode === 'r') return { code: 'EACCES', reason: `${spec.name}: read-only` };
  return spec.privileged ? canDebug(caller, target) : null;
}

/** Directories are 0555 for everybody: listing and walking are never privileged. */
export function dirAccess(want: Want): Refusal | null {
  return want.write ? { code: 'EACCES', reason: 'a procfs directory is read-only' } : null;
}

/** The want of an open(2)'s flags (O_ACCMODE: 0 read, 1 write, 2 both). */
export function wantOfFlags(flags: number): Want {
  const acc = flags & 3;
  return { read: acc === 0 || acc === 2, write: acc === 1 || acc === 2 };
}

/** The want of access(2)'s mask (R_OK 4, W_OK 2, X_OK 1; F_OK 0). */
export function wantOfMask(mask: number): Want {
  return { read: (mask & 4) !== 0, write: (mask & 2) !== 0, exec: (mask & 1) !== 0 };
}
