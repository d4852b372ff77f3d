/**
 * How many function entries of real programs the engine's breakpoint emulation covers: every
 * FUNC symbol of an ELF file (its own .symtab/.dynsym and its separate debug file's .symtab, as
 * the symbolizer reads them), the first instruction at its address decoded from the file, and
 * the share emulate.ts has a plan for, by form; plus the most common first instructions it does
 * not emulate, so the table grows where it matters.
 *
 *   node dist/bench/entry-share.js [FILE…]      (default: libc, python3, bash)
 */
import { realpathSync } from 'node:fs';
import { Decoder, DecoderOptions, FormatterSyntax, Formatter, Instruction } from 'iced-x86';
import { planFor, type FormId } from '../src/engine/emulate.js';
import { DEFAULT_DEBUG_DIRS, findDebugFile } from '../src/engine/symbols/debug-file.js';
import { openImage } from '../src/engine/symbols/image-cache.js';
import { openUntrustedFile } from '../src/procfs/untrusted-file.js';
import type { ElfImage } from '../src/elf/parse.js';
import { mergeSymbols } from '../src/engine/symbols/module.js';

export interface EntryShare {
  /** The file read (symlinks resolved: /usr/bin/python3 is python3.11). */
  readonly path: string;
  /** Distinct function entry addresses with bytes in the file. */
  readonly functions: number;
  readonly emulated: number;
  /** Whether a separate debug file's .symtab was read too (libc with libc6-dbg). */
  readonly debugFile: boolean;
  /** Entries per emulated form. */
  readonly byForm: ReadonlyMap<FormId, number>;
  /** The commonest first instructions not emulated, immediates and addresses blanked (`mov N(%rip),%rax`). */
  readonly topMissing: readonly { readonly text: string; readonly count: number }[];
}

export const DEFAULT_FILES: readonly string[] = ['/lib/x86_64-linux-gnu/libc.so.6', '/usr/bin/python3', '/usr/bin/bash'];

/** The share of `path`'s function entries the emulation table covers. */
export async function entryShare(file: string, topN = 8): Promise<EntryShare> {
  const path = realpathSync(file);
  // This machine's own files, opened by the rule the live source opens a target's with.
  const open = (p: string, rule = {}) => openUntrustedFile(p, rule);
  const image = await openImage(open, path);
  const debug = await findDebugFile(image, path, { open, roots: ['host'], debugDirs: DEFAULT_DEBUG_DIRS });
  const symbols = mergeSymbols(image.symbols, debug?.image.symbols);
  const entries = new Set<bigint>();
  for (const s of symbols) if (s.kind === 'func' && s.table !== 'plt') entries.add(s.value);

  const byForm = new Map<FormId, number>();
  const missing = new Map<string, number>();
  let functions = 0;
  let emulated = 0;
  const elf = await open(path);
  try {
    for (const addr of entries) {
      const offset = fileOffset(image, addr);
      if (offset === undefined) continue;
      const bytes = await elf.read(offset, 15);
      if (bytes.length === 0) continue;
      functions++;
      const plan = planFor(bytes);
      if (plan) {
        emulated++;
        byForm.set(plan.form, (byForm.get(plan.form) ?? 0) + 1);
      } else {
        const text = shape(bytes);
        missing.set(text, (missing.get(text) ?? 0) + 1);
      }
    }
  } finally {
    await elf.close();
  }
  const topMissing = [...missing].sort((a, b) => b[1] - a[1]).slice(0, topN).map(([text, count]) => ({ text, count }));
  return { path, functions, emulated, debugFile: debug !== undefined, byForm, topMissing };
}

/** Where a link-time address's bytes are in the file (an executable PT_LOAD segment), if anywhere. */
function fileOffset(image: ElfImage, addr: bigint): number | undefined {
  for (const seg of image.segments) {
    if (seg.exec && addr >= seg.vaddr && addr < seg.vaddr + seg.filesz) return Number(addr - seg.vaddr + seg.offset);
  }
  return undefined;
}

let fmt: Formatter | undefined;

/** The instruction in AT&T syntax with numbers blanked, so that `sub $0x18,%rsp` and `sub $0x28,%rsp` count as one. */
function shape(bytes: Uint8Array): string {
  if (!fmt) {
    fmt = new Formatter(FormatterSyntax.Gas);
    fmt.ripRelativeAddresses = true;
  }
  const d = new Decoder(64, bytes, DecoderOptions.None);
  const ins = new Instruction();
  try {
    d.decodeOut(ins);
    return ins.isInvalid ? '(bad)' : fmt.format(ins).replace(/-?0x[0-9a-f]+|\b\d+\b/gi, 'N');
  } finally {
    ins.free();
    d.free();
  }
}

const pct = (a: number, b: number): string => (b === 0 ? '-' : `${((100 * a) / b).toFixed(1)}%`);

/** One line: `libc.so.6: 61.2% of 3146 entries (push 43.1%, sub 9.9%, …)`. */
export function shareLine(s: EntryShare): string {
  const forms = [...s.byForm].sort((a, b) => b[1] - a[1]).map(([f, n]) => `${f} ${pct(n, s.functions)}`).join(', ');
  return `${s.path.split('/').pop()}: ${pct(s.emulated, s.functions)} of ${s.functions} function entries emulated (${forms})`;
}

/** One line of what is left: `not emulated, commonest: test %rdi,%rdi 3.2%, …`. */
export function missingLine(s: EntryShare, n = 5): string {
  return `${s.path.split('/').pop()} not emulated, commonest: ${s.topMissing.slice(0, n).map((m) => `${m.text} ${pct(m.count, s.functions)}`).join(', ')}`;
}

if (process.argv[1] && /entry-share\.js$/.test(process.argv[1])) {
  const files = process.argv.length > 2 ? process.argv.slice(2) : DEFAULT_FILES;
  for (const f of files) {
    try {
      const s = await entryShare(f, 12);
      process.stdout.write(`${shareLine(s)}${s.debugFile ? ' [with its debug file]' : ''}\n`);
      for (const m of s.topMissing) process.stdout.write(`  ${pct(m.count, s.functions).padStart(6)} ${String(m.count).padStart(5)}  ${m.text}\n`);
    } catch (err) {
      process.stderr.write(`entry-share: ${f}: ${(err as Error).message.split('\n')[0]}\n`);
      process.exitCode = 1;
    }
  }
}
