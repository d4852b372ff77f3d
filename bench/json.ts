/** JSON for `--json`: NaN (a side that did not run) as null, bigints as `0x…` like pdbg's CLI. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : typeof v === 'number' && !Number.isFinite(v) ? null : v),
    2,
  );
}
