import type { BatchOp, BatchResult, ProcFs } from './source.js';

/**
 * Runs `ops` as ProcFs.batch promises: in order, the first failure ending the batch (the ops
 * after it fail with the same error, unrun). A source without `batch` gets them one by one,
 * exactly the calls the engine would otherwise make; a remote source sends them in one burst.
 */
export function runBatch(fs: ProcFs, ops: readonly BatchOp[]): Promise<BatchResult[]> {
  return fs.batch ? fs.batch(ops) : runSequentially(fs, ops);
}

/** The plain meaning of a batch, for sources that have nothing faster (and for the agent). */
export async function runSequentially(fs: ProcFs, ops: readonly BatchOp[]): Promise<BatchResult[]> {
  const out: BatchResult[] = [];
  let failed: unknown;
  let hasFailed = false;
  for (const op of ops) {
    if (hasFailed) {
      out.push({ ok: false, error: failed });
      continue;
    }
    try {
      const value = op.op === 'write' ? await fs.write(op.pid, op.node, op.data, op.opts) : await fs.readInto(op.pid, op.node, op.into, op.opts);
      out.push({ ok: true, value });
    } catch (error) {
      hasFailed = true;
      failed = error;
      out.push({ ok: false, error });
    }
  }
  return out;
}
