/**
 * A bound on the target-file requests (`root/`, `map_files/`) the mount works on at once.
 *
 * Their reads go through libuv's pool of four threads, which the control nodes' reads of
 * /proc (status, the checks of every request) need too: a burst of large file reads, or reads
 * of a slow file system, must not leave `echo attach > ctl` waiting behind them (issue 17: one
 * `cat` of a path that re-entered the mount tied up every pool thread and then wedged ctl). So
 * at most SLOTS of them run; the rest wait their turn here, on the JS thread, holding nothing.
 */
const SLOTS = 2;

export class FileSlots {
  private busy = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly slots = SLOTS) {}

  /** Runs `fn` once a slot is free; the slot is given back however it ends. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.busy >= this.slots) await new Promise<void>((r) => this.waiting.push(r));
    else this.busy++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.busy--;
    }
  }
}
