/**
 * Why a traced target stopped, as the engine reports it to its clients (CLI, script, TUI,
 * benchmark). Built from the `why` node; the breakpoint kinds are the engine's own reading of a
 * `trap` at an address it planted.
 */

/** Where a stopped thread is: `pc` is the address of the next instruction it will execute. */
interface At {
  readonly tid: number;
  readonly pc: bigint;
}

export type StopEvent =
  /** Stopped by `attach` (every thread stopped; BSD's `attach` stop). */
  | ({ readonly kind: 'attached' } & At)
  /** At the first instruction of a new image (after `execve`). */
  | ({ readonly kind: 'exec' } & At)
  /** One instruction executed by `tid`. */
  | ({ readonly kind: 'step' } & At)
  /** `tid` hit breakpoint `id`; its pc is already moved back onto the breakpoint's address. */
  | ({ readonly kind: 'breakpoint'; readonly id: number; readonly temporary: boolean } & At)
  /** A signal arrived; continuing delivers it (except `trap` and `stop`, the debugger's own). */
  | ({ readonly kind: 'signal'; readonly signal: string } & At)
  /** follow-fork child: the session now traces `tid`, a new child of `parent` (released). */
  | ({ readonly kind: 'forked'; readonly parent: number } & At)
  /** `finish` done: the selected frame returned to `pc` in its caller (the engine's own breakpoint). */
  | ({ readonly kind: 'returned' } & At)
  /** Stopped on the client's request (`Session.interrupt`). */
  | ({ readonly kind: 'interrupted' } & At)
  /** The target is gone: exit status… */
  | { readonly kind: 'exited'; readonly code: number }
  /** …or the signal that killed it. */
  | { readonly kind: 'killed'; readonly signal: string }
  /** Released by `detach`. */
  | { readonly kind: 'detached' };

export type StopKind = StopEvent['kind'];

/** True once the target no longer exists. */
export function isGone(ev: StopEvent): ev is Extract<StopEvent, { kind: 'exited' | 'killed' }> {
  return ev.kind === 'exited' || ev.kind === 'killed';
}

export function hex(n: bigint | number): string {
  return `0x${n.toString(16)}`;
}

/**
 * One line for a person: `exited with code 3`, `killed by signal segv`,
 * `breakpoint 1 at 0x401136 <main+4> (thread 812)`. `where` formats an address (adds a symbol).
 */
export function describeStop(ev: StopEvent, where: (pc: bigint) => string = hex): string {
  switch (ev.kind) {
    case 'exited':
      return `exited with code ${ev.code}`;
    case 'killed':
      return `killed by signal ${ev.signal}`;
    case 'detached':
      return 'detached';
    case 'attached':
      return `stopped at ${where(ev.pc)} (thread ${ev.tid})`;
    case 'exec':
      return `exec: stopped at ${where(ev.pc)} (thread ${ev.tid})`;
    case 'step':
      return `stepped to ${where(ev.pc)} (thread ${ev.tid})`;
    case 'breakpoint':
      return `${ev.temporary ? 'temporary ' : ''}breakpoint ${ev.id} at ${where(ev.pc)} (thread ${ev.tid})`;
    case 'signal':
      return `signal ${ev.signal} at ${where(ev.pc)} (thread ${ev.tid})`;
    case 'returned':
      return `returned to ${where(ev.pc)} (thread ${ev.tid})`;
    case 'interrupted':
      return `interrupted at ${where(ev.pc)} (thread ${ev.tid})`;
    case 'forked':
      return `following child ${ev.tid} of ${ev.parent}: stopped at ${where(ev.pc)}`;
  }
}
