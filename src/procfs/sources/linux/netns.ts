import { readFileSync } from 'node:fs';

/**
 * A jail's addresses, read from its network namespace without entering it: `/proc/PID/net/`
 * shows the namespace of PID. IPv4 from `fib_trie` (each local address is a leaf followed by
 * `/32 host LOCAL`), IPv6 from `if_inet6`. Loopback (127.0.0.1, ::1) and IPv6 link-local are
 * left out: FreeBSD's jls lists the addresses a jail was given, and those are not.
 */
export function jailAddresses(pid: number, procRoot = '/proc'): string[] {
  return [...ipv4(pid, procRoot), ...ipv6(pid, procRoot)];
}

function read(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return '';
  }
}

function ipv4(pid: number, procRoot: string): string[] {
  const lines = read(`${procRoot}/${pid}/net/fib_trie`).split('\n');
  const out = new Set<string>();
  for (let i = 1; i < lines.length; i++) {
    if (!lines[i]!.includes('/32 host LOCAL')) continue;
    const leaf = lines[i - 1]!.trim();
    if (!leaf.startsWith('|-- ')) continue;
    const addr = leaf.slice(4);
    if (addr !== '127.0.0.1') out.add(addr);
  }
  return [...out];
}

function ipv6(pid: number, procRoot: string): string[] {
  const out: string[] = [];
  for (const line of read(`${procRoot}/${pid}/net/if_inet6`).split('\n')) {
    const hex = line.slice(0, 32);
    if (hex.length !== 32 || hex.startsWith('fe8')) continue;
    const addr = formatIpv6(hex);
    if (addr !== '::1' && !out.includes(addr)) out.push(addr);
  }
  return out;
}

/** RFC 5952 text: lowercase, leading zeros dropped, the longest run of zero groups as `::`. */
export function formatIpv6(hex32: string): string {
  const groups: string[] = [];
  for (let i = 0; i < 32; i += 4) groups.push(parseInt(hex32.slice(i, i + 4), 16).toString(16));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}
