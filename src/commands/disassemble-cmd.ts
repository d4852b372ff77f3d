/**
 * gdb's `disassemble` outside the TUI: a whole function (the one holding the pc, or SYM/ADDR)
 * or a range (`START,END`, `START,+LEN`), framed as gdb frames it, `=>` on the pc. A function's
 * end comes from its symbol's size; a symbol without one is decoded up to its first `ret` (at
 * most 64 bytes' worth past the address asked about).
 */
import { ProcfsError } from '../procfs/errors.js';
import type { CommandOutput } from './command-output.js';
import { disassemble, type DisasmLine } from '../arch/x86-64/disasm.js';
import { readCode } from './examine.js';
import { evalAddress } from '../engine/expr.js';
import { sessionContext, symbolizer } from './inspect-state.js';
import type { Session } from '../engine/session.js';

const NO_SIZE_BYTES = 64;

function addr16(a: bigint): string {
  return `0x${a.toString(16).padStart(16, '0')}`;
}

export async function disassembleCommand(s: Session, argText: string): Promise<CommandOutput> {
  const text = argText.trim();
  if (text.startsWith('/')) throw new ProcfsError('EINVAL', `disassemble modifiers (${text.split(/\s/)[0]}) are not supported`);
  const ctx = sessionContext(s);
  const pc = await s.frameReg('rip').catch(() => undefined);
  const symbolize = symbolizer(s);
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
  const out = [header];
  for (const l of lines) {
    const where = fnStart !== undefined ? `<+${l.address - fnStart}>` : (() => {
      const n = symbolize(l.address);
      return n ? `<${n.includes('+') ? n : n + '+0'}>` : '';
    })();
    out.push(`${l.address === pc ? '=> ' : '   '}${addr16(l.address)}${where ? ' ' + where : ''}:\t${l.text}`);
  }
  out.push('End of assembler dump.');
  return {
    lines: out,
    data: { start, end, pc, instructions: lines.map((l) => ({ addr: l.address, length: l.length, bytes: l.bytes, text: l.text, current: l.address === pc })) },
  };
}
