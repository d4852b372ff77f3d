/**
 * The unwind table of a module as a process maps it: .eh_frame (with .eh_frame_hdr's search
 * table) from the file itself, .debug_frame from its separate debug file or the file. Built once
 * per (image, debug image) and shared by every process mapping that file: images are cached by
 * file identity (image-cache.ts), so this is the one table cache, whichever source the bytes
 * came through.
 */
import { findSection, readSection } from '../../elf/sections.js';
import type { ElfImage } from '../../elf/types.js';
import { UnwindTable, type UnwindSections } from '../../dwarf/cfi-table.js';
import type { LoadedModule } from '../symbols/module.js';

const tables = new WeakMap<ElfImage, Map<ElfImage | null, Promise<UnwindTable>>>();

async function placed(image: ElfImage, name: string): Promise<{ data: Buffer; addr: bigint } | undefined> {
  const header = findSection(image, name);
  const data = header && (await readSection(image, name));
  return header && data && data.length > 0 ? { data, addr: header.addr } : undefined;
}

async function build(image: ElfImage, debug: ElfImage | null): Promise<UnwindTable> {
  const ehFrame = await placed(image, '.eh_frame');
  const ehFrameHdr = await placed(image, '.eh_frame_hdr');
  const debugFrame = (debug && (await readSection(debug, '.debug_frame'))) || (await readSection(image, '.debug_frame'));
  const sections: UnwindSections = {
    ...(ehFrame ? { ehFrame } : {}),
    ...(ehFrameHdr ? { ehFrameHdr } : {}),
    ...(debugFrame && debugFrame.length > 0 ? { debugFrame: { data: debugFrame } } : {}),
  };
  return UnwindTable.fromSections(sections);
}

/** The table of a module (or of an image alone: `{ image }`); a failed build is not kept, so the next walk retries. */
export function moduleUnwindTable(mod: Pick<LoadedModule, 'image' | 'debugImage'>): Promise<UnwindTable> {
  const debug = mod.debugImage ?? null;
  let byDebug = tables.get(mod.image);
  const hit = byDebug?.get(debug);
  if (hit) return hit;
  if (!byDebug) tables.set(mod.image, (byDebug = new Map()));
  const table = build(mod.image, debug);
  byDebug.set(debug, table);
  table.catch(() => byDebug!.delete(debug));
  return table;
}
