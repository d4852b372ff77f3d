/**
 * "Each pair in the same run, alternating the two sides": rounds of every contender, the order
 * rotated each round so no side always runs first (warm caches) or last (a busy neighbour).
 */

export interface Contender {
  name: string;
  /** One sample, in the contender's unit. */
  sample(): Promise<number>;
}

export interface Outcome {
  samples: number[];
  /** Set when the contender threw: no more samples are taken from it. */
  error?: string;
}

/** The contenders of round `r`: the list rotated left by r. */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
  if (items.length === 0) return [];
  const k = ((round % items.length) + items.length) % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/**
 * Runs `rounds` rounds; a contender that throws is reported (not fatal) and skipped after,
 * so one broken layer does not take the whole bench down.
 */
export async function alternate(
  contenders: readonly Contender[],
  rounds: number,
  log: (line: string) => void = () => {},
): Promise<Map<string, Outcome>> {
  const out = new Map<string, Outcome>(contenders.map((c) => [c.name, { samples: [] }]));
  for (let r = 0; r < rounds; r++) {
    for (const c of roundOrder(contenders, r)) {
      const o = out.get(c.name)!;
      if (o.error) continue;
      try {
        const v = await c.sample();
        o.samples.push(v);
        log(`  round ${r + 1}/${rounds} ${c.name}: ${formatSample(v)}`);
      } catch (err) {
        o.error = oneLine(err);
        log(`  round ${r + 1}/${rounds} ${c.name}: failed: ${o.error}`);
      }
    }
  }
  return out;
}

function formatSample(v: number): string {
  return Math.abs(v) >= 1000 ? v.toFixed(0) : v.toPrecision(4);
}

/** An error as one line (ProcfsError messages already are; stacks never reach the table). */
export function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]!.trim();
}
