import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProcfsError } from '../procfs/errors.js';
import { tarArchive, type TarEntry } from './tar.js';

/** What is shipped to a far side that has no pdbg: one tar, named by its contents. */
export interface AgentBundle {
  /** The ustar archive: bin/, package.json, dist/src, dist/native and the runtime node_modules. */
  readonly tar: Buffer;
  /** sha256 of the archive, first 16 hex digits: the cache directory is agent-HASH. */
  readonly hash: string;
  /** package.json's version: a far `pdbg --version` printing it is used instead of shipping. */
  readonly version: string;
  readonly files: number;
}

/**
 * The package this module belongs to: the nearest directory up with pdbg's package.json (three
 * levels from dist/src/chain/, two from src/chain/ when the sources run directly).
 */
export function packageRoot(): string {
  for (let d = dirname(fileURLToPath(import.meta.url)); ; d = dirname(d)) {
    const pkg = join(d, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'pdbg') return d;
    if (dirname(d) === d) throw new ProcfsError('ENOENT', 'agent bundle: pdbg package.json not found above its modules');
  }
}

// Build and documentation files no running agent reads.
const SKIP_FILE = /(\.d\.ts|\.d\.cts|\.d\.mts|\.map|\.md|\.markdown|CMakeLists\.txt)$/i;
const SKIP_DIR = new Set(['doc', 'docs', 'test', 'tests', 'vendor', '.github', 'example', 'examples']);
// The TUI's terminal library is loaded only by attach/debug on the near side; the agent never draws.
const NOT_SHIPPED = new Set(['blessed']);

function walk(dir: string, under: string, out: TarEntry[], skipDirs: boolean): void {
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    const st = statSync(full);
    const rel = `${under}/${name}`;
    if (st.isDirectory()) {
      if (!(skipDirs && SKIP_DIR.has(name))) walk(full, rel, out, skipDirs);
    } else if (st.isFile() && !SKIP_FILE.test(name)) {
      out.push({ path: rel, data: readFileSync(full), executable: (st.mode & 0o111) !== 0 });
    }
  }
}

// The runtime closure of package.json's dependencies (optional ones where installed: koffi's
// prebuilt binary package for this platform), each package once, found as Node would from root.
function runtimePackages(root: string): Map<string, string> {
  const found = new Map<string, string>();
  const visit = (name: string, from: string, optional: boolean): void => {
    if (found.has(name) || NOT_SHIPPED.has(name)) return;
    let dir: string | undefined;
    for (let d = from; ; d = dirname(d)) {
      const candidate = join(d, 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) {
        dir = realpathSync(candidate);
        break;
      }
      if (dirname(d) === d) break;
    }
    if (!dir) {
      if (optional) return;
      throw new ProcfsError('ENOENT', `agent bundle: package ${name} is not installed next to pdbg`);
    }
    found.set(name, dir);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dir, false);
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) visit(dep, dir, true);
  };
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, root, false);
  return found;
}

let cached: AgentBundle | undefined;

/** The bundle of this pdbg, made once per process (a few MB, read from disk in tens of ms). */
export function agentBundle(root: string = packageRoot()): AgentBundle {
  if (cached && root === packageRoot()) return cached;
  const entries: TarEntry[] = [];
  const pkgText = readFileSync(join(root, 'package.json'));
  entries.push({ path: 'package.json', data: pkgText });
  entries.push({ path: 'bin/pdbg.js', data: readFileSync(join(root, 'bin', 'pdbg.js')), executable: true });
  for (const d of ['src', 'native']) {
    const dir = join(root, 'dist', d);
    if (!existsSync(dir)) throw new ProcfsError('ENOENT', `agent bundle: ${relative(process.cwd(), dir) || dir} is missing: build pdbg first`);
    walk(dir, `dist/${d}`, entries, false);
  }
  // Flat node_modules: every package at the top, as npm lays out a tree without conflicts.
  for (const [name, dir] of [...runtimePackages(root)].sort(([a], [b]) => a.localeCompare(b))) {
    walk(dir, `node_modules/${name}`, entries, true);
  }
  const tar = tarArchive(entries);
  const version = (JSON.parse(pkgText.toString('utf8')) as { version: string }).version;
  const bundle = { tar, hash: createHash('sha256').update(tar).digest('hex').slice(0, 16), version, files: entries.length };
  if (root === packageRoot()) cached = bundle;
  return bundle;
}
