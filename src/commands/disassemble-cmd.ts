/**
 * gdb's `disassemble` outside the TUI: a whole function (the one holding the pc, or SYM/ADDR)
 * or a range (`START,END`, `START,+LEN`), framed as gdb frames it, `=>` on the pc. A function's
 * end comes from its symbol's size; a symbol without one is decoded up to its first `ret` (at
 * most 64 bytes' worth past the address asked about).
 */
import { ProcfsError } from '../procfs/errors.js';
import { disassemble, type DisasmLine } from '../arch/x86-64/disasm.js';
import { evalAddress } from '../engine/expr.js';
import type { Client } from './client.js';
import type { Result } from './debug-command.js';
import { readCode } from './examine.js';

const NO_SIZE_BYTES = 64;

function addr16(a: bigint): string {
  return `0x${a.toString(16).padStart(16, '0')}`;
}

export type DisassembleResult = Result<'disassembly', {
  start: bigint;
  end: bigint;
  pc: bigint | undefined;
  instructions: { addr: bigint; length: number; bytes: DisasmLine['bytes']; text: string; current: boolean }[];
}> & {
  /** gdb's `Dump of assembler code …:` line. */
  readonly header: string;
  /** Each instruction's `<+OFF>` or `<sym+OFF>` (or ''), in order. */
  readonly offsets: string[];
};

export async function disassembleCommand(c: Client, argText: string): Promise<DisassembleResult> {
  const s = c.session;
  const text = argText.trim();
  if (text.startsWith('/')) throw new ProcfsError('EINVAL', `disassemble modifiers (${text.split(/\s/)[0]}) are not supported`);
  const ctx = c.context();
  const pc = await s.frameReg('rip').catch(() => undefined);
  const symbolize = c.symbolize;
  const comma = text.indexOf(',');
  let start: bigint;
  let end: bigint;
  let header: string;
  let fnStart: bigint | undefined;
  if (comma >= 0) {
    start = await evalAddress(text.slice(0, comma), ctx);
    const rest = text.slice(comma + 1).trim();
    end = rest.startsWith('+') ? start + (await evalAddress(rest.slice(1), ctx)) : await evalAddress(rest, ctx);
    if (end <= start) throw new ProcfsError('EINVAL', `empty range: 0x${start.toString(16)} to 0x${end.toString(16)}`);
    if (end - start > 1n << 20n) throw new ProcfsError('EINVAL', 'range too large (1 MiB at most)');
    header = `Dump of assembler code from 0x${start.toString(16)} to 0x${end.toString(16)}:`;
  } else {
    let at: bigint;
    if (text === '') {
      if (pc === undefined) throw new ProcfsError('EINVAL', 'No frame selected.');
      at = pc;
    } else at = await evalAddress(text, ctx);
    const hit = (await s.symbolTable())?.symbolAt(at);
    if (!hit) throw new ProcfsError('EINVAL', `No function contains specified address 0x${at.toString(16)}.`);
    start = hit.address;
    fnStart = start;
    end = hit.size > 0 ? start + BigInt(hit.size) : 0n;
    header = `Dump of assembler code for function ${hit.name}:`;
  }
  let lines: DisasmLine[];
  if (end === 0n) {
    const code = await readCode(s, start, NO_SIZE_BYTES + 15);
    lines = [];
    for (const l of disassemble(code, start, { symbolize })) {
      lines.push(l);
      if (/^ret/.test(l.text) || l.address + BigInt(l.length) >= start + BigInt(NO_SIZE_BYTES)) break;
    }
    end = lines.length ? lines[lines.length - 1]!.address + BigInt(lines[lines.length - 1]!.length) : start;
  } else {
    // 15 bytes more: an instruction that begins before the end is shown whole, as gdb does.
    const code = await readCode(s, start, Number(end - start) + 15);
    lines = disassemble(code, start, { symbolize }).filter((l) => l.address < end);
  }
  const offsets = lines.map((l) => {
    if (fnStart !== undefined) return `<+${l.address - fnStart}>`;
    const n = symbolize(l.address);
    return n ? `<${n.includes('+') ? n : n + '+0'}>` : '';
  });
  return {
    kind: 'disassembly',
    header,
    offsets,
    data: { start, end, pc, instructions: lines.map((l) => ({ addr: l.address, length: l.length, bytes: l.bytes, text: l.text, current: l.address === pc })) },
  };
}

export function formatDisassembly(r: DisassembleResult): string[] {
  const out = [r.header];
  r.data.instructions.forEach((l, i) => {
    const where = r.offsets[i]!;
    out.push(`${l.current ? '=> ' : '   '}${addr16(l.addr)}${where ? ' ' + where : ''}:\t${l.text}`);
  });
  out.push('End of assembler dump.');
  return out;
}
