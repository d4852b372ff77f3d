/**
 * The `map` node: one line per mapping of the address space (FreeBSD `procfs_map.c`), and
 * Linux's `/proc/PID/maps`, which pdbg's live source reads to build it. See
 * ../shared/spec/procfs.md §1.
 *
 * FreeBSD 5–8 write 13 fields per line:
 *   start end resident privresident obj access refcnt shadowcnt flags cow needscopy type path
 *   `0x400000 0x45c000 74 0 0xffffff0003b0c8a0 r-x 2 1 0x0 COW NC vnode /usr/sbin/httpd`
 * (addresses `0x%lx`, counts in pages, obj the kernel address of the VM object (`%p`: `0` for
 * NULL), flags `0x%x`, COW/NCOW, NC/NNC, path `-` for none). Newer kernels append two fields for
 * swap accounting, `CH uid` or `NCH -1`; both shapes are read (so a 13-field path that itself
 * ends in ` CH 5` reads as the 15-field shape: the format's own ambiguity, as paths are not
 * escaped).
 *
 * pdbg's live `map` node serves the 13-field line built from Linux's maps (mapNodeFromLinux).
 * What Linux does not have, pdbg writes as:
 *   resident, privresident  0 unless the caller passes page counts (from smaps)
 *   obj                     0: Linux exposes no VM object address (FreeBSD too prints NULL to
 *                           32-bit readers rather than leak a kernel pointer)
 *   refcnt, shadowcnt       0        flags  0x0        needscopy  NNC
 *   cow                     COW for a private mapping (Linux `p`), NCOW for a shared one
 *   type                    vnode (file-backed: inode ≠ 0), phys (the kernel's [vdso]/[vvar]
 *                           pages, as FreeBSD's shared page is), default (anonymous memory:
 *                           FreeBSD 7's name for it)
 *   path                    the Linux path, pseudo-paths like [heap] and [stack] kept; `-` for
 *                           anonymous memory
 * The file offset, device and inode have no field in the FreeBSD line and are lost.
 */
import { ParseError } from './errors.js';

/** Protection and sharing of a mapping; `shared: false` is Linux's `p` (private, copy-on-write). */
export interface MapPerms {
  read: boolean;
  write: boolean;
  exec: boolean;
  shared: boolean;
}

/** One mapping, Linux `/proc/PID/maps` style: the model the debugger works with. */
export interface MapEntry {
  start: bigint;
  /** One past the last byte. */
  end: bigint;
  perms: MapPerms;
  /** Offset in the mapped file (0 for anonymous memory, and unknown (0) from a FreeBSD line). */
  offset: bigint;
  /** `major:minor` in hex as Linux prints it (`fe:00`); `-` when read from a FreeBSD line. */
  dev: string;
  /** 0 for anonymous memory, and unknown (0) from a FreeBSD line. */
  inode: number;
  /** File path or pseudo-path (`[heap]`, `[stack]`, `[vdso]`), null for anonymous memory. */
  path: string | null;
}

/** One line of a FreeBSD `map` node. */
export interface FreeBsdMapEntry {
  start: bigint;
  end: bigint;
  /** Resident pages of the mapping. */
  resident: number;
  /** Resident pages of its object when no other object shadows it. */
  privResident: number;
  /** Kernel address of the VM object; 0n is NULL (no object, or hidden). */
  obj: bigint;
  perms: { read: boolean; write: boolean; exec: boolean };
  refCount: number;
  shadowCount: number;
  /** The VM object's flags word. */
  flags: number;
  /** `COW`: copy-on-write (a private mapping). */
  cow: boolean;
  /** `NC`: the copy has not been made yet. */
  needsCopy: boolean;
  /** Object type: `default`, `vnode`, `swap`, `device`, `phys`, `dead`, `none`, `unknown`. */
  type: string;
  /** Full path of a vnode's file, null for `-`. */
  path: string | null;
  /** Newer kernels' swap accounting (`CH uid` / `NCH -1`); null when the line has no such fields. */
  charge: { charged: boolean; uid: number } | null;
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

function fail(line: number, field: string, problem: string, token?: string): never {
  const t = token === undefined ? '' : `: '${token.length > 40 ? token.slice(0, 40) + '…' : token}'`;
  throw new ParseError(field, `map: line ${line}: field '${field}' ${problem}${t}`);
}

function isHexDigits(s: string, from: number): boolean {
  if (s.length <= from || s.length - from > 16) return false;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** Lower-case hex without prefix (Linux `%08lx`), as a bigint. */
function hex(tok: string | undefined, line: number, field: string): bigint {
  if (tok === undefined) fail(line, field, 'is missing');
  if (!isHexDigits(tok, 0)) fail(line, field, 'is not a hex number', tok);
  return BigInt('0x' + tok);
}

/** `0x…` (FreeBSD `0x%lx`), as a bigint. */
function hex0x(tok: string | undefined, line: number, field: string): bigint {
  if (tok === undefined) fail(line, field, 'is missing');
  if (tok.charCodeAt(0) !== 48 || tok.charCodeAt(1) !== 120 || !isHexDigits(tok, 2)) fail(line, field, 'is not a 0x hex number', tok);
  return BigInt(tok);
}

function dec(tok: string | undefined, line: number, field: string, allowNeg = false): number {
  if (tok === undefined) fail(line, field, 'is missing');
  const neg = allowNeg && tok.charCodeAt(0) === 45;
  const digits = neg ? tok.slice(1) : tok;
  if (digits.length === 0 || digits.length > 15 || (digits.length > 1 && digits.charCodeAt(0) === 48)) fail(line, field, 'is not a number', tok);
  for (let i = 0; i < digits.length; i++) {
    const c = digits.charCodeAt(i);
    if (c < 48 || c > 57) fail(line, field, 'is not a number', tok);
  }
  const v = Number(digits);
  if (neg && v === 0) fail(line, field, 'is not a number', tok);
  return neg ? -v : v;
}

function lines(text: string): string[] {
  const out = text.split('\n');
  if (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

/**
 * The mapping that holds `addr`, or undefined. `entries` in address order, as both kernels list
 * them (binary search).
 */
export function findMapping<T extends { start: bigint; end: bigint }>(entries: readonly T[], addr: bigint): T | undefined {
  let lo = 0;
  let hi = entries.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const e = entries[mid]!;
    if (addr < e.start) hi = mid - 1;
    else if (addr >= e.end) lo = mid + 1;
    else return e;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Linux /proc/PID/maps

// fs/proc/task_mmu.c pads the fixed fields to 25 + 6 * sizeof(void *) - 1 columns on a 64-bit
// kernel, then writes one space before the path.
const LINUX_PATH_COLUMN = 72;

/** Parses Linux `/proc/PID/maps` text. Throws ParseError naming the line and field. */
export function parseLinuxMaps(text: string): MapEntry[] {
  const ls = lines(text);
  const out = new Array<MapEntry>(ls.length);
  for (let n = 0; n < ls.length; n++) out[n] = parseLinuxMapsLine(ls[n]!, n + 1);
  return out;
}

function parseLinuxMapsLine(l: string, n: number): MapEntry {
  const sp1 = l.indexOf(' ');
  const range = sp1 < 0 ? l : l.slice(0, sp1);
  const dash = range.indexOf('-');
  const start = hex(dash < 0 ? range : range.slice(0, dash), n, 'start');
  const end = hex(dash < 0 ? undefined : range.slice(dash + 1), n, 'end');
  if (end < start) fail(n, 'end', 'is below start', range);
  const sp2 = sp1 < 0 ? -1 : l.indexOf(' ', sp1 + 1);
  const permsTok = sp1 < 0 ? undefined : l.slice(sp1 + 1, sp2 < 0 ? undefined : sp2);
  if (
    permsTok === undefined ||
    permsTok.length !== 4 ||
    'r-'.indexOf(permsTok[0]!) < 0 ||
    'w-'.indexOf(permsTok[1]!) < 0 ||
    'x-'.indexOf(permsTok[2]!) < 0 ||
    'ps'.indexOf(permsTok[3]!) < 0
  ) {
    fail(n, 'perms', permsTok === undefined ? 'is missing' : 'is not rwxp', permsTok);
  }
  const sp3 = sp2 < 0 ? -1 : l.indexOf(' ', sp2 + 1);
  const offset = hex(sp2 < 0 ? undefined : l.slice(sp2 + 1, sp3 < 0 ? undefined : sp3), n, 'offset');
  const sp4 = sp3 < 0 ? -1 : l.indexOf(' ', sp3 + 1);
  const dev = sp3 < 0 ? undefined : l.slice(sp3 + 1, sp4 < 0 ? undefined : sp4);
  const colon = dev === undefined ? -1 : dev.indexOf(':');
  if (dev === undefined || colon < 0 || !isHexDigits(dev.slice(0, colon), 0) || !isHexDigits(dev.slice(colon + 1), 0)) {
    fail(n, 'dev', dev === undefined ? 'is missing' : 'is not major:minor in hex', dev);
  }
  const sp5 = sp4 < 0 ? -1 : l.indexOf(' ', sp4 + 1);
  const inode = dec(sp4 < 0 ? undefined : l.slice(sp4 + 1, sp5 < 0 ? undefined : sp5), n, 'inode');
  let path: string | null = null;
  if (sp5 >= 0) {
    const prefix = sp5 + 1; // the kernel's "%lu " ends with a space
    const at = Math.max(prefix, LINUX_PATH_COLUMN) + 1;
    let blank = true;
    for (let i = prefix; i < Math.min(at, l.length); i++) if (l.charCodeAt(i) !== 32) blank = false;
    if (blank) path = l.length > at ? l.slice(at) : null;
    else path = l.slice(prefix).replace(/^ +/, ''); // not the 64-bit kernel's padding: be lenient
    if (path === '') path = null;
  }
  return {
    start,
    end,
    perms: { read: permsTok[0] === 'r', write: permsTok[1] === 'w', exec: permsTok[2] === 'x', shared: permsTok[3] === 's' },
    offset,
    dev,
    inode,
    path,
  };
}

function hex8(v: bigint): string {
  return v.toString(16).padStart(8, '0');
}

/** Linux `/proc/PID/maps` text for `entries`, padded as a 64-bit kernel pads it. */
export function formatLinuxMaps(entries: readonly MapEntry[]): string {
  let out = '';
  for (const e of entries) {
    const p = e.perms;
    let l =
      `${hex8(e.start)}-${hex8(e.end)} ${p.read ? 'r' : '-'}${p.write ? 'w' : '-'}${p.exec ? 'x' : '-'}${p.shared ? 's' : 'p'} ` +
      `${hex8(e.offset)} ${e.dev} ${e.inode} `;
    if (e.path !== null) l = l.padEnd(LINUX_PATH_COLUMN, ' ') + ' ' + e.path;
    out += l + '\n';
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// FreeBSD map

/** Parses a FreeBSD `map` node (13-field lines, or 15 with the swap-accounting pair). */
export function parseFreeBsdMap(text: string): FreeBsdMapEntry[] {
  const ls = lines(text);
  const out = new Array<FreeBsdMapEntry>(ls.length);
  for (let n = 0; n < ls.length; n++) out[n] = parseFreeBsdMapLine(ls[n]!, n + 1);
  return out;
}

function parseFreeBsdMapLine(l: string, n: number): FreeBsdMapEntry {
  const t = l.split(' ');
  const start = hex0x(t[0], n, 'start');
  const end = hex0x(t[1], n, 'end');
  if (end < start) fail(n, 'end', 'is below start', t[1]);
  const resident = dec(t[2], n, 'resident');
  const privResident = dec(t[3], n, 'privresident');
  const obj = t[4] === '0' ? 0n : hex0x(t[4], n, 'obj');
  const a = t[5];
  if (a === undefined) fail(n, 'access', 'is missing');
  if (a.length !== 3 || 'r-'.indexOf(a[0]!) < 0 || 'w-'.indexOf(a[1]!) < 0 || 'x-'.indexOf(a[2]!) < 0) fail(n, 'access', 'is not rwx', a);
  const refCount = dec(t[6], n, 'refcnt');
  const shadowCount = dec(t[7], n, 'shadowcnt');
  const flags = Number(hex0x(t[8], n, 'flags'));
  const cowTok = t[9];
  if (cowTok !== 'COW' && cowTok !== 'NCOW') fail(n, 'cow', cowTok === undefined ? 'is missing' : 'is not COW or NCOW', cowTok);
  const ncTok = t[10];
  if (ncTok !== 'NC' && ncTok !== 'NNC') fail(n, 'needscopy', ncTok === undefined ? 'is missing' : 'is not NC or NNC', ncTok);
  const type = t[11];
  if (type === undefined || type === '') fail(n, 'type', 'is missing');
  if (t.length < 13) fail(n, 'path', 'is missing');
  // vn_fullpath() is not escaped: the path is everything up to the optional `CH uid` pair.
  let last = t.length;
  let charge: FreeBsdMapEntry['charge'] = null;
  const ch = t[t.length - 2];
  if (t.length >= 15 && (ch === 'CH' || ch === 'NCH')) {
    charge = { charged: ch === 'CH', uid: dec(t[t.length - 1], n, 'uid', true) };
    last = t.length - 2;
  }
  const pathTok = last === 13 ? t[12]! : t.slice(12, last).join(' ');
  return {
    start,
    end,
    resident,
    privResident,
    obj,
    perms: { read: a[0] === 'r', write: a[1] === 'w', exec: a[2] === 'x' },
    refCount,
    shadowCount,
    flags,
    cow: cowTok === 'COW',
    needsCopy: ncTok === 'NC',
    type,
    path: pathTok === '-' ? null : pathTok,
    charge,
  };
}

/** FreeBSD `map` text for `entries`, one line each ending in "\n". */
export function formatFreeBsdMap(entries: readonly FreeBsdMapEntry[]): string {
  let out = '';
  for (const e of entries) {
    const p = e.perms;
    out +=
      `0x${e.start.toString(16)} 0x${e.end.toString(16)} ${e.resident} ${e.privResident} ` +
      // The kernel's %p prints NULL as a bare 0.
      `${e.obj === 0n ? '0' : '0x' + e.obj.toString(16)} ${p.read ? 'r' : '-'}${p.write ? 'w' : '-'}${p.exec ? 'x' : '-'} ` +
      `${e.refCount} ${e.shadowCount} 0x${e.flags.toString(16)} ${e.cow ? 'COW' : 'NCOW'} ${e.needsCopy ? 'NC' : 'NNC'} ` +
      `${e.type} ${e.path ?? '-'}` +
      (e.charge ? ` ${e.charge.charged ? 'CH' : 'NCH'} ${e.charge.uid}` : '') +
      '\n';
  }
  return out;
}

// Kernel-provided pages, not files: FreeBSD maps its equivalent (the shared page) as a phys object.
const KERNEL_PAGES = new Set(['[vdso]', '[vvar]', '[vvar_vclock]', '[vsyscall]', '[uprobes]', '[sigpage]']);

/** The FreeBSD line pdbg serves for a Linux mapping (see the header for each made-up field). */
export function freeBsdMapFromLinux(e: MapEntry, pages?: { resident: number; privResident: number }): FreeBsdMapEntry {
  const type = e.inode !== 0 ? 'vnode' : e.path !== null && KERNEL_PAGES.has(e.path) ? 'phys' : 'default';
  return {
    start: e.start,
    end: e.end,
    resident: pages?.resident ?? 0,
    privResident: pages?.privResident ?? 0,
    obj: 0n,
    perms: { read: e.perms.read, write: e.perms.write, exec: e.perms.exec },
    refCount: 0,
    shadowCount: 0,
    flags: 0,
    cow: !e.perms.shared,
    needsCopy: false,
    type,
    path: e.path,
    charge: null,
  };
}

/** The live `map` node's text from `/proc/PID/maps` text. */
export function mapNodeFromLinux(mapsText: string): string {
  return formatFreeBsdMap(parseLinuxMaps(mapsText).map((e) => freeBsdMapFromLinux(e)));
}

/** A FreeBSD line as the debugger's model; offset, dev and inode are unknown (0n, `-`, 0). */
export function mapEntryFromFreeBsd(f: FreeBsdMapEntry): MapEntry {
  return {
    start: f.start,
    end: f.end,
    perms: { read: f.perms.read, write: f.perms.write, exec: f.perms.exec, shared: !f.cow },
    offset: 0n,
    dev: '-',
    inode: 0,
    path: f.path,
  };
}

/** Any `map` text as MapEntry[]: FreeBSD lines (they start with `0x`) or Linux maps. */
export function parseMap(text: string): MapEntry[] {
  if (text.startsWith('0x')) return parseFreeBsdMap(text).map(mapEntryFromFreeBsd);
  return parseLinuxMaps(text);
}
