/**
 * The call frame instructions of DWARF 5 §6.4.2, run to the rows of the table they describe:
 * for each pc range, how to compute the CFA and where each register of the caller was saved.
 */
import { ParseError } from '../procfs/errors.js';
import type { Cie, Fde } from './cfi.js';
import { Cursor } from './reader.js';

/** How the Canonical Frame Address is computed: register + offset, or a DWARF expression. */
export type CfaRule =
  | { readonly kind: 'reg'; readonly reg: number; readonly offset: number }
  | { readonly kind: 'expr'; readonly expr: Buffer };

/**
 * Where the caller's value of one register is (DWARF 5 §6.4.1 register rules):
 * offset/expr are addresses of the saved value, valOffset/valExpr are the value itself.
 */
export type RegRule =
  | { readonly kind: 'undefined' }
  | { readonly kind: 'same' }
  | { readonly kind: 'offset'; readonly offset: number }
  | { readonly kind: 'valOffset'; readonly offset: number }
  | { readonly kind: 'register'; readonly reg: number }
  | { readonly kind: 'expr'; readonly expr: Buffer }
  | { readonly kind: 'valExpr'; readonly expr: Buffer };

/** One row of the CFI table: valid for link-time pcs in [start, end). */
export interface CfaRow {
  readonly start: bigint;
  readonly end: bigint;
  readonly cfa: CfaRule;
  /** Registers with a rule; those absent are unspecified (callee-saved ones keep their value). */
  readonly regs: ReadonlyMap<number, RegRule>;
  /** The DWARF register holding the return address (the CIE's; 16, rip, on x86-64). */
  readonly raReg: number;
  /** From a CIE with 'S': a signal trampoline, whose caller's pc is exact, not a return address. */
  readonly signalFrame: boolean;
  /** DW_CFA_GNU_args_size: bytes of outgoing arguments pushed (exception handling's concern). */
  readonly argsSize: number;
}

interface State {
  cfa: CfaRule;
  regs: Map<number, RegRule>;
}

const NAMES: Record<number, string> = {
  0x00: 'DW_CFA_nop', 0x01: 'DW_CFA_set_loc', 0x02: 'DW_CFA_advance_loc1', 0x03: 'DW_CFA_advance_loc2',
  0x04: 'DW_CFA_advance_loc4', 0x05: 'DW_CFA_offset_extended', 0x06: 'DW_CFA_restore_extended',
  0x07: 'DW_CFA_undefined', 0x08: 'DW_CFA_same_value', 0x09: 'DW_CFA_register', 0x0a: 'DW_CFA_remember_state',
  0x0b: 'DW_CFA_restore_state', 0x0c: 'DW_CFA_def_cfa', 0x0d: 'DW_CFA_def_cfa_register',
  0x0e: 'DW_CFA_def_cfa_offset', 0x0f: 'DW_CFA_def_cfa_expression', 0x10: 'DW_CFA_expression',
  0x11: 'DW_CFA_offset_extended_sf', 0x12: 'DW_CFA_def_cfa_sf', 0x13: 'DW_CFA_def_cfa_offset_sf',
  0x14: 'DW_CFA_val_offset', 0x15: 'DW_CFA_val_offset_sf', 0x16: 'DW_CFA_val_expression',
  0x2e: 'DW_CFA_GNU_args_size', 0x2f: 'DW_CFA_GNU_negative_offset_extended',
};

/** The name of a DW_CFA opcode (for errors and statistics). */
export function cfaOpName(op: number): string {
  if (op >= 0xc0) return 'DW_CFA_restore';
  if (op >= 0x80) return 'DW_CFA_offset';
  if (op >= 0x40) return 'DW_CFA_advance_loc';
  return NAMES[op] ?? `DW_CFA_0x${op.toString(16)}`;
}

/**
 * Runs `program` from `state`, calling `advance(newLoc)` before every location change; it returns
 * false to stop early (the row for the pc asked about is complete).
 */
function run(
  program: Buffer,
  cie: Cie,
  state: State,
  initial: ReadonlyMap<number, RegRule> | undefined,
  loc: { value: bigint; argsSize: number },
  advance: (to: bigint) => boolean,
): void {
  const c = new Cursor(program);
  const stack: State[] = [];
  const daf = cie.dataAlign;
  const setCfaOffset = (offset: number): void => {
    if (state.cfa.kind !== 'reg') throw new ParseError('DW_CFA_def_cfa_offset', 'DW_CFA_def_cfa_offset after a CFA expression');
    state.cfa = { kind: 'reg', reg: state.cfa.reg, offset };
  };
  const restore = (reg: number): void => {
    if (!initial) throw new ParseError('DW_CFA_restore', 'DW_CFA_restore in a CIE\'s initial instructions');
    const r = initial.get(reg);
    if (r) state.regs.set(reg, r);
    else state.regs.delete(reg);
  };
  const step = (delta: number): boolean => advance(loc.value + BigInt(delta * cie.codeAlign));
  while (!c.done) {
    const op = c.u8('DW_CFA opcode');
    const low = op & 0x3f;
    switch (op & 0xc0) {
      case 0x40:
        if (!step(low)) return;
        continue;
      case 0x80:
        state.regs.set(low, { kind: 'offset', offset: c.ulebN('DW_CFA_offset') * daf });
        continue;
      case 0xc0:
        restore(low);
        continue;
    }
    switch (op) {
      case 0x00:
        break;
      case 0x01: {
        // eh_frame encodes it like pc_begin; pcrel would need the program's address, which no
        // compiler emits here, so only the absolute formats are accepted.
        const enc = cie.fdeEncoding;
        if ((enc & 0x70) !== 0) throw new ParseError('DW_CFA_set_loc', `DW_CFA_set_loc with relative encoding 0x${enc.toString(16)}`);
        const to = c.pointer(enc, {}, 'DW_CFA_set_loc').value;
        if (!advance(to)) return;
        break;
      }
      case 0x02:
        if (!step(c.u8('DW_CFA_advance_loc1'))) return;
        break;
      case 0x03:
        if (!step(c.u16('DW_CFA_advance_loc2'))) return;
        break;
      case 0x04:
        if (!step(c.u32('DW_CFA_advance_loc4'))) return;
        break;
      case 0x05: {
        const reg = c.ulebN('DW_CFA_offset_extended');
        state.regs.set(reg, { kind: 'offset', offset: c.ulebN('DW_CFA_offset_extended') * daf });
        break;
      }
      case 0x06:
        restore(c.ulebN('DW_CFA_restore_extended'));
        break;
      case 0x07:
        state.regs.set(c.ulebN('DW_CFA_undefined'), { kind: 'undefined' });
        break;
      case 0x08:
        state.regs.set(c.ulebN('DW_CFA_same_value'), { kind: 'same' });
        break;
      case 0x09: {
        const reg = c.ulebN('DW_CFA_register');
        state.regs.set(reg, { kind: 'register', reg: c.ulebN('DW_CFA_register') });
        break;
      }
      case 0x0a:
        // The CFA rule travels with the register rules, as GCC's unwinder and gdb do.
        stack.push({ cfa: state.cfa, regs: new Map(state.regs) });
        break;
      case 0x0b: {
        const s = stack.pop();
        if (!s) throw new ParseError('DW_CFA_restore_state', 'DW_CFA_restore_state with nothing remembered');
        state.cfa = s.cfa;
        state.regs = s.regs;
        break;
      }
      case 0x0c: {
        const reg = c.ulebN('DW_CFA_def_cfa');
        state.cfa = { kind: 'reg', reg, offset: c.ulebN('DW_CFA_def_cfa') };
        break;
      }
      case 0x0d: {
        const reg = c.ulebN('DW_CFA_def_cfa_register');
        state.cfa = { kind: 'reg', reg, offset: state.cfa.kind === 'reg' ? state.cfa.offset : 0 };
        break;
      }
      case 0x0e:
        setCfaOffset(c.ulebN('DW_CFA_def_cfa_offset'));
        break;
      case 0x0f:
        state.cfa = { kind: 'expr', expr: c.bytes(c.ulebN('DW_CFA_def_cfa_expression'), 'DW_CFA_def_cfa_expression') };
        break;
      case 0x10: {
        const reg = c.ulebN('DW_CFA_expression');
        state.regs.set(reg, { kind: 'expr', expr: c.bytes(c.ulebN('DW_CFA_expression'), 'DW_CFA_expression') });
        break;
      }
      case 0x11: {
        const reg = c.ulebN('DW_CFA_offset_extended_sf');
        state.regs.set(reg, { kind: 'offset', offset: c.slebN('DW_CFA_offset_extended_sf') * daf });
        break;
      }
      case 0x12: {
        const reg = c.ulebN('DW_CFA_def_cfa_sf');
        state.cfa = { kind: 'reg', reg, offset: c.slebN('DW_CFA_def_cfa_sf') * daf };
        break;
      }
      case 0x13:
        setCfaOffset(c.slebN('DW_CFA_def_cfa_offset_sf') * daf);
        break;
      case 0x14: {
        const reg = c.ulebN('DW_CFA_val_offset');
        state.regs.set(reg, { kind: 'valOffset', offset: c.ulebN('DW_CFA_val_offset') * daf });
        break;
      }
      case 0x15: {
        const reg = c.ulebN('DW_CFA_val_offset_sf');
        state.regs.set(reg, { kind: 'valOffset', offset: c.slebN('DW_CFA_val_offset_sf') * daf });
        break;
      }
      case 0x16: {
        const reg = c.ulebN('DW_CFA_val_expression');
        state.regs.set(reg, { kind: 'valExpr', expr: c.bytes(c.ulebN('DW_CFA_val_expression'), 'DW_CFA_val_expression') });
        break;
      }
      case 0x2e:
        loc.argsSize = c.ulebN('DW_CFA_GNU_args_size');
        break;
      case 0x2f: {
        const reg = c.ulebN('DW_CFA_GNU_negative_offset_extended');
        state.regs.set(reg, { kind: 'offset', offset: -c.ulebN('DW_CFA_GNU_negative_offset_extended') * daf });
        break;
      }
      default:
        throw new ParseError(cfaOpName(op), `unsupported call frame instruction ${cfaOpName(op)} (0x${op.toString(16)})`);
    }
  }
}

/** The state a CIE's initial instructions leave: every FDE's starting row and DW_CFA_restore's target. */
function initialState(cie: Cie): State {
  const state: State = { cfa: { kind: 'reg', reg: 0, offset: 0 }, regs: new Map() };
  run(cie.initialInstructions, cie, state, undefined, { value: 0n, argsSize: 0 }, () => true);
  return state;
}

const initialByCie = new WeakMap<Cie, State>();

function initialOf(cie: Cie): State {
  let s = initialByCie.get(cie);
  if (!s) {
    s = initialState(cie);
    initialByCie.set(cie, s);
  }
  return s;
}

/**
 * The rows of an FDE's table in pc order. With `pc`, only the row covering it (or none) is
 * returned, and the program runs only as far as that row needs.
 */
export function fdeRows(fde: Fde, pc?: bigint): CfaRow[] {
  const cie = fde.cie;
  const init = initialOf(cie);
  const state: State = { cfa: init.cfa, regs: new Map(init.regs) };
  const loc = { value: fde.pcBegin, argsSize: 0 };
  const rows: CfaRow[] = [];
  const emit = (end: bigint): void => {
    rows.push({ start: loc.value, end, cfa: state.cfa, regs: new Map(state.regs), raReg: cie.raReg, signalFrame: cie.signalFrame, argsSize: loc.argsSize });
  };
  let stopped = false;
  run(fde.instructions, cie, state, init.regs, loc, (to) => {
    // A zero advance (or set_loc backwards) starts no new row: the rules just accumulate.
    if (to <= loc.value) return true;
    const end = to < fde.pcEnd ? to : fde.pcEnd;
    if (pc !== undefined && pc < end) {
      emit(end);
      stopped = true;
      return false;
    }
    if (pc === undefined) emit(end);
    loc.value = to;
    return to < fde.pcEnd;
  });
  if (!stopped && loc.value < fde.pcEnd) emit(fde.pcEnd);
  return rows;
}

/** The row for one link-time pc of an FDE, or undefined if the FDE does not cover it. */
export function rowForPc(fde: Fde, pc: bigint): CfaRow | undefined {
  if (pc < fde.pcBegin || pc >= fde.pcEnd) return undefined;
  const rows = fdeRows(fde, pc);
  const last = rows[rows.length - 1];
  return last && pc >= last.start && pc < last.end ? last : undefined;
}
