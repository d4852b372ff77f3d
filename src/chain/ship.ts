import type { AgentBundle } from './bundle.js';

/** The first line the far side prints: the agent is starting, or it needs the bundle first. */
export const READY = 'pdbg-agent-ready';
export const NEED = 'pdbg-agent-need';
export const INSTALLED = 'pdbg-agent-installed';

// Shared by both scripts: the cache path, and the refusal of a symlink anywhere on it (a hop
// never writes outside its cache directory, and must not be redirected out of it).
const CACHE = [
  'h=$1; v=$2; shift 2',
  '[ -n "$HOME" ] || { echo "pdbg agent: HOME is not set on the far side" >&2; exit 111; }',
  'c="$HOME/.cache"; d="$c/pdbg"; a="$d/agent-$h"',
  'for p in "$c" "$d" "$a"; do if [ -L "$p" ]; then echo "pdbg agent: $p is a symlink: refused" >&2; exit 111; fi; done',
].join('\n');

// Run the agent: an installed pdbg of the same version as is, else the cached bundle, else say
// so and exit (the near side then sends the bundle and asks again). node is checked here so a
// too old one is one clear line, not a syntax error from the bundle.
const PROBE = [
  CACHE,
  'if command -v pdbg >/dev/null 2>&1 && [ "$(pdbg --version 2>/dev/null)" = "$v" ]; then echo ' + READY + '; exec pdbg "$@"; fi',
  'if [ ! -f "$a/.ok" ]; then echo ' + NEED + '; exit 0; fi',
  'command -v node >/dev/null 2>&1 || { echo "pdbg agent: no node on the far side (pdbg needs node >= 20)" >&2; exit 111; }',
  'node -e "process.exit(parseInt(process.versions.node) >= 20 ? 0 : 1)" || { echo "pdbg agent: node $(node --version) on the far side: pdbg needs node >= 20" >&2; exit 111; }',
  'echo ' + READY,
  'exec node "$a/bin/pdbg.js" "$@"',
].join('\n');

// Unpack the tar on stdin into a fresh directory inside the cache, then rename it into place:
// a concurrent install (a fan-out to one host twice) or a cut one never leaves a half agent
// that has .ok. umask 077: everything created is the user's alone.
const INSTALL = [
  CACHE,
  'umask 077',
  'if [ -f "$a/.ok" ]; then cat >/dev/null; echo ' + INSTALLED + '; exit 0; fi',
  'mkdir -p "$d"',
  'if [ -L "$d" ]; then echo "pdbg agent: $d is a symlink: refused" >&2; exit 111; fi',
  't=$(mktemp -d "$d/tmp.XXXXXX")',
  'tar -x -o -f - -C "$t" || { rm -rf "$t"; echo "pdbg agent: tar could not unpack the bundle in $d" >&2; exit 111; }',
  ': >"$t/.ok"',
  '[ -e "$a" ] && [ ! -f "$a/.ok" ] && rm -rf "$a"',
  '[ -e "$a" ] || mv "$t" "$a"',
  'rm -rf "$t"',
  'echo ' + INSTALLED,
].join('\n');

/** The far argv that starts the agent with `args` (e.g. `serve --stdio`), or prints NEED. */
export function probeArgv(b: AgentBundle, args: readonly string[]): string[] {
  return ['sh', '-c', PROBE, 'sh', b.hash, b.version, ...args];
}

/** The far argv that installs the bundle read from its stdin into the cache. */
export function installArgv(b: AgentBundle): string[] {
  return ['sh', '-c', INSTALL, 'sh', b.hash, b.version];
}
