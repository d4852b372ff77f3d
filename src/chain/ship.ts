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

// Run before anything in a cache directory is executed (node is the only interpreter the far
// side is known to have; written for any node so that an old one still reaches its clear line).
// A cache another user could have written is somebody else's code run as us, as root through a
// sudo hop: the rule is OpenSSH's StrictModes for authorized_keys, extended to the whole tree. Every
// directory from the agent's up to / is owned by root or us and not group- or world-writable, a
// symlink on the way owned by root or us and its target checked the same; above the cache
// directory ($HOME and up) a sticky directory is allowed (/tmp: nobody can rename or delete
// another's entries in it). Inside the agent directory every entry is ours or root's, a plain
// file or directory, and not group- or world-writable.
const CHECK = `
var fs = require('fs'), path = require('path');
var major = parseInt(process.versions.node, 10);
if (!(major >= 20)) { console.error('pdbg agent: node ' + process.version + ' on the far side: pdbg needs node >= 20'); process.exit(111); }
var me = process.getuid(), agent = path.resolve(process.argv[1]), cache = path.dirname(agent), top = path.dirname(path.dirname(cache));
function refuse(p, why) { console.error('pdbg agent: ' + p + ' ' + why + ': refused (remove it, or fix its owner and mode)'); process.exit(111); }
function owned(p, st) { if (st.uid !== 0 && st.uid !== me) refuse(p, 'is owned by uid ' + st.uid + ', not by ' + (me ? 'uid ' + me + ' or root' : 'root')); }
function writable(p, st, stickyOk) {
  if ((st.mode & 18) === 0 || (stickyOk && st.isDirectory() && (st.mode & 512))) return;
  refuse(p, 'is writable by ' + ((st.mode & 16) ? 'its group' : 'other users'));
}
function up(p, depth) {
  if (depth > 16) refuse(p, 'has too many symlinks on its path');
  for (var d = p; ; d = path.dirname(d)) {
    var st = fs.lstatSync(d);
    owned(d, st);
    if (st.isSymbolicLink()) up(fs.realpathSync(d), depth + 1);
    else writable(d, st, depth > 0 || d.length <= top.length);
    if (d === path.dirname(d)) return;
  }
}
function down(d) {
  var names = fs.readdirSync(d);
  for (var i = 0; i < names.length; i++) {
    var p = path.join(d, names[i]), st = fs.lstatSync(p);
    owned(p, st);
    writable(p, st, false);
    if (st.isDirectory()) down(p);
    else if (!st.isFile()) refuse(p, 'is neither a file nor a directory');
  }
}
try { up(agent, 0); down(agent); } catch (e) { refuse(agent, 'cannot be checked (' + e.message + ')'); }
`;

// Run the agent: an installed pdbg of the same version as is, else the cached bundle once CHECK
// has passed, else say so and exit (the near side then sends the bundle and asks again).
const PROBE = [
  CACHE,
  'k=$1; shift',
  'if command -v pdbg >/dev/null 2>&1 && [ "$(pdbg --version 2>/dev/null)" = "$v" ]; then echo ' + READY + '; exec pdbg "$@"; fi',
  'if [ ! -f "$a/.ok" ]; then echo ' + NEED + '; exit 0; fi',
  'command -v node >/dev/null 2>&1 || { echo "pdbg agent: no node on the far side (pdbg needs node >= 20)" >&2; exit 111; }',
  'node -e "$k" "$a" || exit 111',
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
  return ['sh', '-c', PROBE, 'sh', b.hash, b.version, CHECK, ...args];
}

/** The far argv that installs the bundle read from its stdin into the cache. */
export function installArgv(b: AgentBundle): string[] {
  return ['sh', '-c', INSTALL, 'sh', b.hash, b.version];
}
