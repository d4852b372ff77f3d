/**
 * The layering rule of README's Layout, enforced on the import lines themselves:
 *
 *   native, arch → the model (src/procfs/*.ts) → sources (src/procfs/sources/), fuse →
 *   remote, chain → inventory, engine (src/inventory/, src/engine/) → commands (the client
 *   layer) → cli, tui, mount (and servers)
 *
 * Nothing imports from a layer above its own, there are no import cycles, and no two folders
 * import each other (a folder and its own subfolders are one package: cli/commands/ and cli/). Dynamic imports
 * and type-only imports count: a type import is still a dependency of the design, and a lazy
 * import is only lazy.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/targets.js';

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** `from '…'`, `import '…'` and `import('…')` specifiers (comments stripped first, so examples in them do not count). */
function specifiers(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: string[] = [];
  for (const re of [/\bfrom\s+['"]([^'"]+)['"]/g, /^\s*import\s+['"]([^'"]+)['"]/gm, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g]) {
    for (const m of code.matchAll(re)) out.push(m[1]!);
  }
  return out;
}

/** A relative specifier as the repo-relative .ts file it names (null for packages and node: modules). */
function resolveImport(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const abs = resolve(dirname(from), spec);
  for (const c of [abs.replace(/\.js$/, '.ts'), `${abs}.ts`, join(abs, 'index.ts')]) {
    if (existsSync(c) && statSync(c).isFile()) return relative(repoRoot, c);
  }
  return null;
}

const files = [...tsFiles(join(repoRoot, 'src')), ...tsFiles(join(repoRoot, 'native'))];
const graph = new Map<string, string[]>();
for (const f of files) {
  const deps = specifiers(readFileSync(f, 'utf8'))
    .map((s) => resolveImport(f, s))
    .filter((d): d is string => d !== null);
  graph.set(relative(repoRoot, f), [...new Set(deps)]);
}

/** Every import of a file under `from` that lands under one of `banned`, as `file → dep`. */
function violations(from: (f: string) => boolean, banned: readonly string[]): string[] {
  const out: string[] = [];
  for (const [f, deps] of graph) {
    if (!from(f)) continue;
    for (const d of deps) if (banned.some((b) => d.startsWith(b))) out.push(`${f} → ${d}`);
  }
  return out;
}

const isModel = (f: string) => f.startsWith('src/procfs/') && !f.startsWith('src/procfs/sources/');

/** The layer a file belongs to: a top folder of src/, the model and the sources apart, native/. */
function layerOf(f: string): string {
  if (f.startsWith('native/')) return 'native';
  if (f.startsWith('src/procfs/sources/')) return 'sources';
  if (isModel(f)) return 'model';
  const m = /^src\/([^/]+)\//.exec(f);
  return m ? m[1]! : f;
}

/**
 * What each lower layer may import besides itself: nothing above it. The engine stands on the
 * seam (the model) and the arch only, never on a concrete source; inventory likewise.
 */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  native: [],
  arch: [],
  model: ['arch'],
  sources: ['model', 'arch', 'native'],
  fuse: ['native'],
  elf: ['model', 'arch'],
  dwarf: ['model', 'arch', 'elf'],
  inventory: ['model', 'arch'],
  engine: ['model', 'arch', 'elf', 'dwarf'],
};

/** Every import from a file of `layer` into a layer outside `allowed` (and its own), as `file → dep`. */
function outside(layer: string, allowed: readonly string[]): string[] {
  const ok = new Set([layer, ...allowed]);
  const out: string[] = [];
  for (const [f, deps] of graph) if (layerOf(f) === layer) for (const d of deps) if (!ok.has(layerOf(d))) out.push(`${f} → ${d}`);
  return out;
}
const ABOVE_SOURCES = ['src/inventory/', 'src/engine/', 'src/commands/', 'src/cli/', 'src/tui/', 'src/mount/'];

describe('layering', () => {
  it('parses the graph it checks (a sanity check of the parser)', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('src/procfs/sources/linux/index.ts')).toContain('src/procfs/source.ts');
  });

  it('native/ imports nothing from src/', () => {
    expect(violations((f) => f.startsWith('native/'), ['src/'])).toEqual([]);
  });

  it('src/arch/ imports nothing but itself', () => {
    expect(violations((f) => f.startsWith('src/arch/'), ['src/procfs/', 'native/', ...ABOVE_SOURCES, 'src/index.ts'])).toEqual([]);
  });

  it('the model imports neither the sources nor native/ nor anything above', () => {
    expect(violations(isModel, ['src/procfs/sources/', 'native/', ...ABOVE_SOURCES])).toEqual([]);
  });

  it('src/procfs/ (the model and sources) imports nothing from inventory, engine, cli or tui', () => {
    expect(violations((f) => f.startsWith('src/procfs/'), ABOVE_SOURCES)).toEqual([]);
  });

  it('src/fuse/ (the FUSE protocol library) imports only itself and native/, and the model and sources not it', () => {
    expect(violations((f) => f.startsWith('src/fuse/'), ['src/arch/', 'src/procfs/', 'src/remote/', 'src/chain/', ...ABOVE_SOURCES, 'src/index.ts'])).toEqual([]);
    expect(violations((f) => f.startsWith('src/procfs/'), ['src/fuse/'])).toEqual([]);
  });

  it('inventory and engine import neither each other nor cli or tui', () => {
    expect(violations((f) => f.startsWith('src/inventory/'), ['src/engine/', 'src/commands/', 'src/cli/', 'src/tui/'])).toEqual([]);
    expect(violations((f) => f.startsWith('src/engine/'), ['src/inventory/', 'src/commands/', 'src/cli/', 'src/tui/'])).toEqual([]);
  });

  it('the client layer (src/commands/) stands on the engine and imports neither cli nor tui', () => {
    expect(violations((f) => f.startsWith('src/commands/'), ['src/cli/', 'src/tui/', 'src/mount/'])).toEqual([]);
  });

  it('the mount (a server, top layer) is imported by neither inventory nor engine, and imports neither cli nor tui', () => {
    expect(violations((f) => f.startsWith('src/inventory/') || f.startsWith('src/engine/'), ['src/mount/'])).toEqual([]);
    expect(violations((f) => f.startsWith('src/mount/'), ['src/cli/', 'src/tui/'])).toEqual([]);
  });

  it('the binary readers (src/elf/, src/dwarf/) stand on arch and the model only (dwarf may use elf), and the model not on them', () => {
    const onlyBelow = (own: readonly string[]) => (f: string) => !(graph.get(f) ?? []).every((d) => isModel(d) || ['src/arch/', ...own].some((b) => d.startsWith(b)));
    const offenders = (dir: string, own: readonly string[]) => [...graph.keys()].filter((f) => f.startsWith(dir) && onlyBelow(own)(f));
    expect(offenders('src/elf/', ['src/elf/'])).toEqual([]);
    expect(offenders('src/dwarf/', ['src/dwarf/', 'src/elf/'])).toEqual([]);
    expect(violations(isModel, ['src/elf/', 'src/dwarf/'])).toEqual([]);
  });

  it('src/engine/ opens no file itself: no node:fs (files come through the source, ProcFs.openFile)', () => {
    const fsImports = tsFiles(join(repoRoot, 'src/engine')).filter((f) => specifiers(readFileSync(f, 'utf8')).some((s) => /^(node:)?fs(\/promises)?$/.test(s)));
    expect(fsImports.map((f) => relative(repoRoot, f))).toEqual([]);
  });

  it('each lower layer imports only the layers below it (MAY_IMPORT)', () => {
    for (const [layer, allowed] of Object.entries(MAY_IMPORT)) expect([layer, outside(layer, allowed)]).toEqual([layer, []]);
  });

  it('the chain and the remote source (a source over a wire) import no client: neither inventory, commands, cli, tui nor mount', () => {
    const clients = ['src/inventory/', 'src/commands/', 'src/cli/', 'src/tui/', 'src/mount/', 'src/index.ts'];
    expect(violations((f) => f.startsWith('src/chain/') || f.startsWith('src/remote/'), clients)).toEqual([]);
  });

  it('the top (cli, tui, mount) is imported only from the top and src/index.ts', () => {
    const top = new Set(['cli', 'tui', 'mount']);
    const inward = (f: string) => top.has(layerOf(f)) || f === 'src/index.ts';
    expect(violations((f) => !inward(f), ['src/cli/', 'src/tui/', 'src/mount/'])).toEqual([]);
  });

  it('no two folders import each other, directly or round a loop (a folder and its subfolders are one package)', () => {
    const dirOf = (f: string) => f.slice(0, f.lastIndexOf('/'));
    const related = (a: string, b: string) => a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
    const dirs = new Map<string, Set<string>>();
    for (const [f, deps] of graph) {
      for (const d of deps) {
        if (related(dirOf(f), dirOf(d))) continue;
        if (!dirs.has(dirOf(f))) dirs.set(dirOf(f), new Set());
        dirs.get(dirOf(f))!.add(dirOf(d));
      }
    }
    // Folder B is reachable from A, and A from B: a loop between folders.
    const reach = (from: string): Set<string> => {
      const seen = new Set<string>();
      const todo = [from];
      while (todo.length) for (const n of dirs.get(todo.pop()!) ?? []) if (!seen.has(n)) (seen.add(n), todo.push(n));
      return seen;
    };
    const loops: string[] = [];
    for (const a of [...dirs.keys()].sort()) for (const b of dirs.get(a)!) if (a < b && reach(b).has(a)) loops.push(`${a} ⇄ ${b}`);
    expect(loops).toEqual([]);
  });

  it('the servers of the seam (agent, mount) stand on procfs and arch: neither the engine nor the client layer, and the mount not on the remote', () => {
    const isServer = (f: string) => /^src\/remote\/agent[^/]*\.ts$/.test(f) || f.startsWith('src/mount/');
    expect(violations(isServer, ['src/engine/', 'src/commands/'])).toEqual([]);
    expect(violations((f) => f.startsWith('src/mount/'), ['src/remote/'])).toEqual([]);
  });

  it('has no import cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (f: string): void => {
      state.set(f, 'open');
      stack.push(f);
      for (const d of graph.get(f) ?? []) {
        const s = state.get(d);
        if (s === 'open') cycles.push([...stack.slice(stack.indexOf(d)), d].join(' → '));
        else if (s === undefined) visit(d);
      }
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of [...graph.keys()].sort()) if (!state.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });
});
