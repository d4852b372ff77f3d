/**
 * How a session lets its target go: in order (`detach`: a run in flight interrupted, held fork
 * children cleaned, then the one release of procfs/release.ts with our bytes), or synchronously
 * as the exit guard's last resort (the source's own synchronous release, into held children too).
 */
import { releaseSync, releaseTarget, type Leave } from '../procfs/release.js';
import type { SessionCore } from './session-core.js';

export class SessionRelease {
  constructor(
    private readonly core: SessionCore,
    /** Interrupts a step loop or a resume in flight. */
    private readonly interrupt: () => Promise<unknown>,
    private readonly inFlight: () => boolean,
  ) {}

  /** Lifts every breakpoint byte and detaches; false when there was nothing to release (gone, detached, never traced). */
  async detach(leave: Leave): Promise<boolean> {
    const c = this.core;
    c.closing = true;
    if (c.state === 'exited' || c.state === 'detached') return false;
    if (this.inFlight()) await this.interrupt().catch(() => undefined);
    if (c.state !== 'stopped') return true;
    await c.children.releaseAll();
    // A signal the target stopped on and nobody passed yet: queued again so it is not lost.
    const redeliver = c.policy.redeliverOnDetach ? c.pendingSignal : undefined;
    await releaseTarget(c.fs, c.pid, { restore: c.bps.planted(), leave, ...(redeliver ? { redeliver } : {}) });
    c.bps.clear();
    c.pending.forget();
    c.pendingSignal = undefined;
    c.state = 'detached';
    c.emit({ kind: 'detached' });
    return true;
  }

  /**
   * Synchronous, never throws: a live source writes the bytes back (into held fork children too)
   * and detaches; a source without that has nothing traced to release.
   */
  releaseSync(leave: Leave): void {
    const c = this.core;
    c.closing = true;
    releaseSync(c.fs, c.pid, c.bps.planted(), leave === 'running' && c.state === 'exited' ? 'as-is' : leave, [...c.children.held]);
    if (c.state !== 'exited') c.state = 'detached';
  }
}
