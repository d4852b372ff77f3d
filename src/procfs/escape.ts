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

// ---------------------------------------------------------------------------------------------
// Display: names come from the target side (a comm is any file name, a hostname any bytes
// sethostname(2) was given, argv anything) and are shown on root's terminal, where an ESC
// sequence clears the screen and a newline forges a row. These functions keep what a terminal
// shows as text and neutralise what it would act on; `--json` keeps the true values instead.

/**
 * Code points a terminal acts on or that split or reorder a row: C0 controls, DEL, C1 controls
 * (U+0080–U+009F: U+009B is CSI for terminals that honour 8-bit controls), the line and
 * paragraph separators, and the bidirectional controls (which can run a column backwards over
 * its neighbours, as in "Trojan Source").
 */
const UNSAFE_RE = /[\p{Cc}\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
const UNSAFE_RE_G = new RegExp(UNSAFE_RE.source, 'gu');

function isUnsafeCodePoint(cp: number): boolean {
  return UNSAFE_RE.test(String.fromCodePoint(cp));
}

/**
 * A display string safe for a table cell: every unsafe code point becomes `?`, as procps ps
 * shows non-printable characters of a command name. Printable text, UTF-8 included, is kept.
 */
export function displayText(text: string): string {
  return text.replace(UNSAFE_RE_G, '?');
}

/** A binary string (comm, hostname bytes) for a table cell: decoded as UTF-8, then displayText. */
export function displayBinary(s: string): string {
  return displayText(textFromBinary(s));
}

/** Length of the well-formed UTF-8 sequence at bytes[i] (RFC 3629: no overlongs, no surrogates), or 0. */
function utf8Length(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i]!;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => {
    const b = bytes[i + k];
    return b !== undefined && b >= lo && b <= hi;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const lo = b0 === 0xe0 ? 0xa0 : 0x80;
    const hi = b0 === 0xed ? 0x9f : 0xbf;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const lo = b0 === 0xf0 ? 0x90 : 0x80;
    const hi = b0 === 0xf4 ? 0x8f : 0xbf;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

function octal(b: number): string {
  return '\\' + b.toString(8).padStart(3, '0');
}

/**
 * A node's line as bytes a terminal can be given: controls (but a final newline), DEL, bytes that
 * are not UTF-8, and the UTF-8 of unsafe code points (C1, bidi, separators) are written `\ooo`,
 * FreeBSD's escape for the comm in the same line; printable ASCII and UTF-8 pass unchanged. `\`
 * itself is kept: in a FreeBSD >= 5 line the kernel already wrote the comm's `\` as `\134`, and
 * re-escaping would change every well-formed line. The jail field, which no kernel escapes, can
 * therefore read ambiguously (a literal `\012`); `--json` has the true bytes.
 */
export function terminalLine(bytes: Uint8Array): Buffer {
  const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0a ? bytes.length - 1 : bytes.length;
  let out = '';
  let i = 0;
  while (i < end) {
    const b = bytes[i]!;
    if (b >= 0x20 && b < 0x7f) {
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    const n = b >= 0x80 ? utf8Length(bytes, i) : 0;
    if (n > 0 && i + n <= end) {
      const cp = Buffer.from(bytes.buffer, bytes.byteOffset + i, n).toString('utf8').codePointAt(0)!;
      if (!isUnsafeCodePoint(cp)) {
        out += String.fromCodePoint(cp);
        i += n;
        continue;
      }
      for (let k = 0; k < n; k++) out += octal(bytes[i + k]!);
      i += n;
      continue;
    }
    out += octal(b);
    i++;
  }
  return Buffer.from(end < bytes.length ? out + '\n' : out, 'utf8');
}

const JSON_RAW_UNSAFE_G = /[\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON text whose strings keep their true values but hold nothing a terminal acts on.
 * JSON.stringify already writes C0 controls in strings as `\n`, `\u001b`… (a raw newline in its
 * output is indentation, left alone); DEL, C1, the separators and the bidi controls it leaves
 * raw, so they become `\uXXXX` here. They can only stand inside strings (JSON's syntax is
 * ASCII), so the text parses to the same value.
 */
export function terminalJson(json: string): string {
  return json.replace(JSON_RAW_UNSAFE_G, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}
