/**
 * `-J` specs (ps, the TUI's picker): which jails a comma list selects. Apart from jails.ts so
 * that the listing filters by jail without importing the jail listing, which lists processes.
 */

/** A `-J` list entry: `0` (the host), a jid, or a hostname; comma lists select any of them. */
export function jailMatcher(spec: string): (jid: number | null, hostname: string | null) => boolean {
  const ids = new Set<number>();
  const names = new Set<string>();
  for (const t of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (/^\d+$/.test(t)) ids.add(Number(t));
    else names.add(t);
  }
  return (jid, hostname) =>
    (jid !== null && ids.has(jid)) || (hostname === null ? ids.has(0) : names.has(hostname));
}

/** Whether a `-J` spec needs jail ids (any number but 0); hostnames come with the status line. */
export function matcherNeedsJid(spec: string): boolean {
  return spec.split(',').some((t) => /^\d+$/.test(t.trim()) && Number(t) !== 0);
}
