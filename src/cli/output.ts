/** The CLI's only writers: results on stdout, one-line errors on stderr. */

/** JSON as pdbg prints it: bigints (addresses, registers) as `0x…` strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v), 2);
}

export function printJson(value: unknown): void {
  process.stdout.write(toJson(value) + '\n');
}

export function printLine(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

/** A table with left-aligned columns, except those named in `right`. */
export function formatTable(header: string[], rows: string[][], right: ReadonlySet<number> = new Set()): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 && !right.has(i) ? c : right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join(' ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
