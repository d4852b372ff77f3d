/**
 * The client's deadline on replies. The agent runs ordered requests one at a time in arrival
 * order (agent.ts), so a request's clock starts only when every ordered request before it has
 * been answered: a `pids` queued behind a `ctl wait` is not late. Requests answered out of band
 * (an interrupt, the close) are due from the moment they are sent.
 *
 * A `ctl wait` and a step loop may legitimately take for ever (a target blocked in read(2)):
 * they get no deadline, and stay interruptible. Everything else must be answered, or the far
 * side must at least be sending bytes (a 64 MiB file over a slow link), within the limit; past
 * it the far side is taken for wedged and the connection is given up.
 */
export interface Watched {
  /** `pids`, `read`: what the message names. */
  readonly what: string;
  /** Answered in arrival order with the other ordered requests. */
  readonly ordered: boolean;
  /** May wait for the target as long as it takes (ctl wait, a step loop). */
  readonly mayWait: boolean;
}

interface Entry extends Watched {
  /** Since when it has been the far side's turn to answer it (ms, Date.now()). */
  due: number | undefined;
}

export class ReplyWatch {
  private readonly entries = new Map<number, Entry>();
  private heardAt = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private headId: number | undefined;

  /** `expired` is called once, with the overdue request's name, when the limit passes. */
  constructor(
    private readonly limitMs: number,
    private readonly expired: (what: string) => void,
  ) {}

  sent(id: number, w: Watched): void {
    this.entries.set(id, { ...w, due: w.ordered ? undefined : Date.now() });
    this.advance();
    this.arm();
  }

  answered(id: number): void {
    this.entries.delete(id);
    this.advance();
    if (this.entries.size === 0) this.disarm();
  }

  /** Bytes came from the far side: it is alive and working on the request at the head. */
  heard(): void {
    this.heardAt = Date.now();
  }

  stop(): void {
    this.entries.clear();
    this.disarm();
  }

  // The oldest ordered request is the one the agent runs now: its clock starts when it gets there.
  private advance(): void {
    for (const [id, e] of this.entries) {
      if (!e.ordered) continue;
      if (id !== this.headId) {
        this.headId = id;
        e.due = Date.now();
      }
      return;
    }
    this.headId = undefined;
  }

  private arm(): void {
    if (this.timer) return;
    // A quarter of the limit, at most a second: a deadline is never more than 25 % late.
    this.timer = setInterval(() => this.check(), Math.max(10, Math.min(1000, this.limitMs / 4)));
    this.timer.unref();
  }

  private disarm(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    const now = Date.now();
    // The agent sends the replies of a run of ordered requests together when its queue drains:
    // the `ctl run` of a resume is answered with the `wait` after it. While one that may wait is
    // queued, no ordered reply is late.
    let covered = false;
    for (const e of this.entries.values()) covered ||= e.ordered && e.mayWait;
    for (const e of this.entries.values()) {
      if (e.mayWait || e.due === undefined || (covered && e.ordered)) continue;
      if (now - Math.max(e.due, this.heardAt) > this.limitMs) {
        this.stop();
        this.expired(e.what);
        return;
      }
    }
  }
}
