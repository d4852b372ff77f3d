import type { ProcFs } from '../../src/index.js';
import { hasFunctions, importPackage, type Loaded } from './load.js';

type OpenModule = typeof import('../../src/index.js');

/** Opens a source the way a library user does: `openProcFs()` (live) or `openProcFs(DIR)` (a tree). */
export type Open = (root?: string) => Promise<ProcFs>;

export async function loadOpenProcFs(): Promise<Loaded<Open>> {
  const m = await importPackage();
  if (!m.ok) return m;
  const missing = hasFunctions(m.value, ['openProcFs']);
  if (missing) return { ok: false, why: missing };
  return { ok: true, value: (m.value as unknown as OpenModule).openProcFs };
}
