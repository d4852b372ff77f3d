/**
 * Bytes in text nodes. Status lines, comm names and jail hostnames are bytes, not UTF-8: a comm
 * is whatever the executable's file name was. pdbg keeps them as "binary" strings (latin1: one
 * char per byte, 0–255) so every byte survives a parse/format round trip, and decodes to UTF-8
 * only for display.
 */

/** Bytes → binary string (one char per byte). */
export function binaryFromBytes(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** Binary string → bytes. Chars above 255 are not bytes: they keep their low 8 bits, as latin1 does. */
export function bytesFromBinary(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, 'latin1'));
}

/** A binary string's bytes decoded as UTF-8, for display (invalid sequences become U+FFFD). */
export function textFromBinary(s: string): string {
  return Buffer.from(s, 'latin1').toString('utf8');
}

/** A display string (UTF-8 text) as the binary string of its UTF-8 bytes, e.g. a Linux hostname. */
export function binaryFromText(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

// FreeBSD >= 5 `procfs_status.c` escapes the comm so that a line always splits on spaces.
function needsEscape(b: number): boolean {
  return b < 33 || b > 126 || b === 0x5c;
}

/** FreeBSD >= 5 comm escaping: each byte < 33, > 126 or `\` as `\ooo` (three octal digits). */
export function escapeComm(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    out += needsEscape(b) ? '\\' + b.toString(8).padStart(3, '0') : String.fromCharCode(b);
  }
  return out;
}

/**
 * The bytes of an escaped comm token, or null when the token is not exactly what FreeBSD >= 5
 * writes: a raw byte that should have been escaped, a `\` not followed by three octal digits
 * <= 0377, or an escape of a byte that needs none (so `escapeComm(unescapeComm(t)) === t`).
 */
export function unescapeComm(token: string): Uint8Array | null {
  const out = new Uint8Array(token.length);
  let n = 0;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c === 0x5c) {
      if (i + 3 >= token.length) return null;
      const d0 = token.charCodeAt(i + 1) - 48;
      const d1 = token.charCodeAt(i + 2) - 48;
      const d2 = token.charCodeAt(i + 3) - 48;
      if (!(d0 >= 0 && d0 <= 3 && d1 >= 0 && d1 <= 7 && d2 >= 0 && d2 <= 7)) return null;
      const b = d0 * 64 + d1 * 8 + d2;
      if (!needsEscape(b)) return null;
      out[n++] = b;
      i += 3;
    } else {
      if (needsEscape(c)) return null;
      out[n++] = c;
    }
  }
  return out.slice(0, n);
}
