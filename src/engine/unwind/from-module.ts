/**
 * The unwind table of a module as a process maps it: .eh_frame (with .eh_frame_hdr's search
 * table) from the file itself, .debug_frame from its separate debug file or the file. Built once
 * per (image, debug image) and shared by every process mapping that file.
 */
import type { ElfImage, LoadedModule } from '../symbols/index.js';
import { findSection, readSection } from '../symbols/sections.js';
import { UnwindTable, type UnwindSections } from './table.js';

const tables = new WeakMap<ElfImage, Map<ElfImage | null, UnwindTable>>();

function placed(image: ElfImage, name: string): { data: Buffer; addr: bigint } | undefined {
  const header = findSection(image, name);
  const data = header && readSection(image, name);
  return header && data && data.length > 0 ? { data, addr: header.addr } : undefined;
}

export function moduleUnwindTable(mod: LoadedModule): UnwindTable {
  const debug = mod.debugImage ?? null;
  let byDebug = tables.get(mod.image);
  const hit = byDebug?.get(debug);
  if (hit) return hit;
  const ehFrame = placed(mod.image, '.eh_frame');
  const ehFrameHdr = placed(mod.image, '.eh_frame_hdr');
  const debugFrame = (debug && readSection(debug, '.debug_frame')) || readSection(mod.image, '.debug_frame');
  const sections: UnwindSections = {
    ...(ehFrame ? { ehFrame } : {}),
    ...(ehFrameHdr ? { ehFrameHdr } : {}),
    ...(debugFrame && debugFrame.length > 0 ? { debugFrame: { data: debugFrame } } : {}),
  };
  const table = UnwindTable.fromSections(sections);
  if (!byDebug) {
    byDebug = new Map();
    tables.set(mod.image, byDebug);
  }
  byDebug.set(debug, table);
  return table;
}
