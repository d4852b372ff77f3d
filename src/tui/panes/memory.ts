import type { Line } from '../terminal.js';

/** Bytes per dump row that fit `width`: `0xADDR: hh hh … ascii`. */
export function bytesPerRow(width: number): number {
  for (const n of [16, 8, 4]) if (16 + 3 * n + 1 + n <= width) return n;
  return 2;
}

/** Hex + ASCII rows, as many as `height` allows under the title. */
export function formatMemory(addr: bigint, bytes: Uint8Array | undefined, label: string, error: string | undefined, height: number, width: number, absent = 'target running'): Line[] {
  const out: Line[] = [[{ text: `memory ${label}`.padEnd(width), style: 'title' }]];
  if (error) return [...out, [{ text: error, style: 'error' }]];
  if (!bytes) return [...out, [{ text: absent, style: 'dim' }]];
  const n = bytesPerRow(width);
  for (let i = 0; i < bytes.length && out.length < height; i += n) {
    const row = bytes.subarray(i, i + n);
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const text = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    out.push(`0x${(addr + BigInt(i)).toString(16).padStart(12, '0')}: ${hex.padEnd(3 * n - 1)} ${text}`);
  }
  return out;
}
