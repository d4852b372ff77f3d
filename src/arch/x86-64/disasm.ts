/**
 * x86-64 disassembly with iced-x86 (maintained, exact, no native build: it ships as wasm),
 * formatted in AT&T syntax like gdb's default, with branch targets and rip-relative operands
 * symbolized the way gdb prints them (`call 0x… <puts@plt>`, `# 0x… <counter>`).
 */
import { Decoder, DecoderError, DecoderOptions, Formatter, FormatterSyntax, Instruction } from 'iced-x86';

export interface DisasmLine {
  readonly address: bigint;
  readonly length: number;
  /** The instruction's bytes as hex pairs, `48 89 e5`. */
  readonly bytes: string;
  /** `mov %rsp,%rbp`, `call 0x5555555550a0 <puts@plt>`, `(bad)` for undecodable bytes. */
  readonly text: string;
  /** The address a near branch or call goes to, or a rip-relative operand refers to. */
  readonly target?: bigint;
  /** `name+off` of `target`, when a symbol covers it. */
  readonly targetName?: string;
}

/** Names an address (`main+12`), or undefined. */
export type Symbolize = (addr: bigint) => string | undefined;

/** Reads up to `length` bytes of the target at `addr`; may return fewer near unmapped memory. */
export type ReadMemory = (addr: bigint, length: number) => Promise<Uint8Array>;

let formatter: Formatter | undefined;

function getFormatter(): Formatter {
  if (!formatter) {
    formatter = new Formatter(FormatterSyntax.Gas);
    formatter.uppercaseHex = false;
    formatter.hexPrefix = '0x';
    formatter.hexSuffix = '';
    formatter.branchLeadingZeros = false;
    formatter.leadingZeros = false;
    formatter.spaceAfterOperandSeparator = false;
    formatter.firstOperandCharIndex = 7;
    formatter.smallHexNumbersInDecimal = false;
    formatter.ripRelativeAddresses = true;
  }
  return formatter;
}

function hex(code: Uint8Array, from: number, len: number): string {
  let s = '';
  for (let i = from; i < from + len && i < code.length; i++) s += (i > from ? ' ' : '') + code[i]!.toString(16).padStart(2, '0');
  return s;
}

/** Decodes `code` (which sits at `address`) into at most `max` lines. */
export function disassemble(code: Uint8Array, address: bigint, opts: { max?: number; symbolize?: Symbolize } = {}): DisasmLine[] {
  const max = opts.max ?? Infinity;
  const out: DisasmLine[] = [];
  const decoder = new Decoder(64, code, DecoderOptions.None);
  const ins = new Instruction();
  const fmt = getFormatter();
  try {
    decoder.ip = address;
    let pos = 0;
    while (decoder.canDecode && out.length < max) {
      decoder.decodeOut(ins);
      const at = address + BigInt(pos);
      // A truncated instruction at the end of the buffer is left for the next read, not shown as bad.
      if (decoder.lastError === DecoderError.NoMoreBytes) break;
      // Like objdump, an undecodable byte is one `(bad)` and decoding resumes at the next byte.
      const len = ins.isInvalid ? 1 : ins.length;
      if (ins.isInvalid) {
        decoder.position = pos + 1;
        decoder.ip = at + 1n;
      }
      let text = ins.isInvalid ? '(bad)' : fmt.format(ins);
      let target: bigint | undefined;
      const isNearBranch = !ins.isInvalid && (ins.isCallNear || ins.isJmpShortOrNear || ins.isJccShortOrNear || ins.isLoop || ins.isLoopcc || ins.isJcxShort);
      if (isNearBranch) target = ins.nearBranchTarget;
      else if (!ins.isInvalid && ins.isIpRelMemoryOperand) target = ins.ipRelMemoryAddress;
      const targetName = target !== undefined ? opts.symbolize?.(target) : undefined;
      if (target !== undefined && !isNearBranch) text += `        # 0x${target.toString(16)}`;
      if (targetName) text += ` <${targetName}>`;
      const line: DisasmLine = { address: at, length: len, bytes: hex(code, pos, len), text };
      out.push(target === undefined ? line : targetName ? { ...line, target, targetName } : { ...line, target });
      pos += len;
    }
  } finally {
    ins.free();
    decoder.free();
  }
  return out;
}

export interface AroundOptions {
  /** Instructions to show before the pc (when they can be found), default 4. */
  readonly before?: number;
  /** Instructions from the pc on, default 10. */
  readonly after?: number;
  readonly symbolize?: Symbolize;
  /** Start of the function holding the pc, when known: decoding from there finds the true boundaries before the pc. */
  readonly functionStart?: bigint;
}

/**
 * Lines around `pc`. x86 cannot be decoded backwards, so the lines before the pc come from
 * decoding forward from the function's start (or, without one, from the nearest earlier
 * offset that lands exactly on the pc).
 */
export async function disassembleAround(read: ReadMemory, pc: bigint, opts: AroundOptions = {}): Promise<DisasmLine[]> {
  const before = opts.before ?? 4;
  const after = opts.after ?? 10;
  const tail = after * 15;
  const tryFrom = async (start: bigint): Promise<DisasmLine[] | undefined> => {
    const code = await read(start, Number(pc - start) + tail).catch(() => undefined);
    if (!code || code.length < Number(pc - start)) return undefined;
    const lines = disassemble(code, start, opts.symbolize ? { symbolize: opts.symbolize } : {});
    const i = lines.findIndex((l) => l.address === pc);
    if (i < 0) return undefined;
    return lines.slice(Math.max(0, i - before), i + after);
  };
  if (before > 0) {
    const fs = opts.functionStart;
    if (fs !== undefined && fs <= pc && pc - fs <= 8192n) {
      const r = await tryFrom(fs);
      if (r) return r;
    }
    for (const back of [before * 8, before * 6, before * 4, before * 2]) {
      if (BigInt(back) > pc) continue;
      const r = await tryFrom(pc - BigInt(back));
      if (r && r.findIndex((l) => l.address === pc) >= Math.min(before, 1)) return r;
    }
  }
  const code = await read(pc, tail);
  return disassemble(code, pc, { max: after, ...(opts.symbolize ? { symbolize: opts.symbolize } : {}) });
}
