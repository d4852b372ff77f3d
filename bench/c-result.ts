/** The one JSON line every C baseline prints: `{"ops":N,"bytes":B,"ns":T}`. */
export interface CResult {
  ops: number;
  bytes: number;
  ns: number;
}

export function parseCResult(stdout: string): CResult {
  const line = stdout.trim().split('\n').pop() ?? '';
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new Error(`C baseline: no result line in ${JSON.stringify(stdout.slice(-200))}`);
  }
  const r = v as Partial<CResult>;
  if (typeof r.ops !== 'number' || typeof r.bytes !== 'number' || typeof r.ns !== 'number' || r.ns <= 0) {
    throw new Error(`C baseline: malformed result ${JSON.stringify(line)}`);
  }
  return { ops: r.ops, bytes: r.bytes, ns: r.ns };
}
