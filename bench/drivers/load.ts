import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { distSrc } from '../paths.js';

/** A pdbg layer the bench drives, or why it cannot (printed in the table instead of a number). */
export type Loaded<T> = { ok: true; value: T } | { ok: false; why: string };

/** `n/a (not built)`, or with what is missing: `n/a (not built: procfs/sources/tree)`. */
export function notBuilt(what?: string): string {
  return what ? `n/a (not built: ${what})` : 'n/a (not built)';
}

/**
 * Imports a built module of pdbg (dist/src/REL.js) if it exists. The bench is written against
 * layers that land at different times; a missing one makes its rows say `n/a (not built)`
 * rather than failing the build or the run.
 */
async function importBuilt(rel: string): Promise<Loaded<Record<string, unknown>>> {
  const path = join(distSrc, `${rel}.js`);
  if (!existsSync(path)) return { ok: false, why: notBuilt(rel) };
  try {
    return { ok: true, value: (await import(pathToFileURL(path).href)) as Record<string, unknown> };
  } catch (err) {
    // A module that imports one not built yet is a layer in progress, not a bench failure.
    const msg = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    const dep = /Cannot find module '.*\/dist\/src\/(.+?)\.js'/.exec(msg)?.[1];
    return { ok: false, why: dep ? notBuilt(dep) : `n/a (${rel}: ${msg})` };
  }
}

/**
 * The package entry (dist/src/index.js, what `import 'pdbg'` loads): the bench drives pdbg the
 * way a library user does, so moving a file inside src/ cannot turn a row into `n/a`; only
 * dropping an export from the API can, and that is a change the bench should notice.
 */
export function importPackage(): Promise<Loaded<Record<string, unknown>>> {
  return importBuilt('index');
}

/** The named exports must exist and be functions (or classes); otherwise the layer is not there yet. */
export function hasFunctions(mod: Record<string, unknown>, names: readonly string[]): string | null {
  const missing = names.filter((n) => typeof mod[n] !== 'function');
  return missing.length ? notBuilt(missing.join(', ')) : null;
}
