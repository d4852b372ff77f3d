/**
 * The reads of /dev/fuse, on a thread of their own.
 *
 * A read of /dev/fuse blocks until the kernel has a request, so it cannot run on the JS thread,
 * and on the libuv pool (fs.read, or koffi's `fn.async`, which is a pool job) each outstanding
 * read pins one of its four threads for as long as the mount lives, starving every fs and dns
 * call of the process. So one worker_thread does nothing but poll(2) + read(2) into a ring of
 * request slots in a SharedArrayBuffer and flips each slot's state word with Atomics; the JS
 * thread waits on the next slot with Atomics.waitAsync and answers with its own write(2).
 * Measured here (bench row `fuse`, 8-byte pread): TODO.
 *
 * The worker's code is a string run with `eval: true` so that the same file works compiled
 * (dist/) and from the TypeScript sources under vitest; it loads koffi by the absolute path
 * this module resolves.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { eventfd, signalEventfd, close } from './fuse.js';

/** A slot's state word. */
export const SLOT_FREE = 0;
export const SLOT_FULL = 1;
/** The reader stopped at this slot; the slot's length word holds the errno (ENODEV: unmounted). */
export const SLOT_END = 2;

export interface FuseReader {
  readonly slots: number;
  readonly slotSize: number;
  /** One state word per slot (SLOT_*), then one length word per slot. */
  readonly words: Int32Array;
  /** The slots' bytes, slot i at i × slotSize. */
  readonly bytes: Buffer;
  /** Ends the thread (it may be blocked in poll); resolves when it has exited. Idempotent. */
  stop(): Promise<void>;
}

const koffiPath = createRequire(import.meta.url).resolve('koffi');

const WORKER = `
'use strict';
const { workerData } = require('node:worker_threads');
const koffi = require(workerData.koffiPath);
const libc = koffi.load('libc.so.6');
const read = libc.func('intptr_t read(int fd, void *buf, size_t n)');
const poll = libc.func('int poll(void *fds, unsigned long n, int timeout)');
const { fd, wake, slots, slotSize, sab, words: wordsSab } = workerData;
const words = new Int32Array(wordsSab);
const STOP = 2 * slots;
const pfds = Buffer.alloc(16);
pfds.writeInt32LE(fd, 0); pfds.writeInt16LE(1, 4);
pfds.writeInt32LE(wake, 8); pfds.writeInt16LE(1, 12);
const views = [];
for (let i = 0; i < slots; i++) views.push(new Uint8Array(sab, i * slotSize, slotSize));
function end(i, errno) {
  Atomics.store(words, slots + i, errno);
  Atomics.store(words, i, 2);
  Atomics.notify(words, i);
}
outer: for (let i = 0; ; i = (i + 1) % slots) {
  for (;;) {
    if (Atomics.load(words, STOP)) break outer;
    const s = Atomics.load(words, i);
    if (s === 0) break;
    Atomics.wait(words, i, s);
  }
  for (;;) {
    const n = Number(read(fd, views[i], slotSize));
    if (n >= 0) {
      Atomics.store(words, slots + i, n);
      Atomics.store(words, i, 1);
      Atomics.notify(words, i);
      break;
    }
    const e = koffi.errno();
    if (e === 11) {
      // EAGAIN: nothing queued; sleep in poll on the device and the wake-up eventfd.
      pfds.writeInt16LE(0, 6); pfds.writeInt16LE(0, 14);
      if (Number(poll(pfds, 2, -1)) < 0 && koffi.errno() !== 4) { end(i, koffi.errno()); break outer; }
      if (pfds.readInt16LE(14) !== 0 || Atomics.load(words, STOP)) break outer;
      continue;
    }
    // EINTR; ENOENT: the request was interrupted away between poll and read.
    if (e === 4 || e === 2) continue;
    end(i, e);
    break outer;
  }
}
`;

/**
 * Starts the reader on `fd` (opened O_NONBLOCK). `slotSize` must hold the largest request:
 * max_write plus the headers (the kernel refuses a read into less with EINVAL).
 */
export function startFuseReader(fd: number, slots: number, slotSize: number): FuseReader {
  const sab = new SharedArrayBuffer(slots * slotSize);
  const wordsSab = new SharedArrayBuffer(4 * (2 * slots + 1));
  const words = new Int32Array(wordsSab);
  const wake = eventfd();
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { koffiPath, fd, wake, slots, slotSize, sab, words: wordsSab },
    stdout: false,
    stderr: false,
  });
  // The worker stays referenced: a process serving a mount lives until the session ends
  // (Atomics.waitAsync alone would not keep Node's event loop alive).
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      // A thread that died without its END (koffi failed to load, say) must still end the
      // session: mark every free slot ended with EIO so the JS side's wait wakes.
      for (let i = 0; i < slots; i++) {
        if (Atomics.load(words, i) === SLOT_FREE) {
          Atomics.store(words, slots + i, 5);
          Atomics.store(words, i, SLOT_END);
          Atomics.notify(words, i);
        }
      }
      resolve();
    }),
  );
  worker.on('error', () => {
    /* reported through the END slot or exit; never an uncaught error in the daemon */
  });
  let stopping: Promise<void> | undefined;
  return {
    slots,
    slotSize,
    words,
    bytes: Buffer.from(sab),
    stop() {
      if (!stopping) {
        Atomics.store(words, 2 * slots, 1);
        for (let i = 0; i < slots; i++) Atomics.notify(words, i);
        signalEventfd(wake);
        stopping = exited.then(() => close(wake));
      }
      return stopping;
    },
  };
}
