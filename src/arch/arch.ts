/**
 * What pdbg needs to know of an instruction set, as one object the engine is handed (Delve's
 * `proc.Arch`): the breakpoint instruction and where the pc is after it traps, the registers by
 * role, and the Linux register set the `regs` node carries. The x86-64 one is the only one today
 * (x86-64/); an arm64 would be a second object, not edits across the engine.
 */
export interface Arch {
  /** `x86-64`, as pdbg prints it. */
  readonly name: string;
  /** The software-breakpoint instruction written over the first byte(s) of an instruction. */
  readonly breakpoint: Uint8Array;
  /**
   * How far past a breakpoint's address the pc is when its trap is reported: x86-64's int3 has
   * run (1); an instruction set whose trap leaves the pc on it (arm64's `brk`) says 0.
   */
  readonly trapPcAdvance: bigint;
  /** The registers by role, as the register set names them. */
  readonly pcReg: string;
  readonly spReg: string;
  readonly fpReg: string;
  readonly flagsReg: string;
  /** The Linux register set (what PTRACE_GETREGS fills and `regs` serves): its 8-byte fields in order. */
  readonly userRegs: readonly string[];
  /** sizeof that set: a whole `regs` read. */
  readonly userRegsSize: number;
  /** Byte offset of the pc in it: hot paths read the pc there without decoding the rest. */
  readonly pcOffset: number;
  /** sizeof the floating-point set (`fpregs`), raw bytes read and written whole. */
  readonly fpregsSize: number;
}

/** The address of the breakpoint whose trap left the pc at `pcAfter`. */
export function trapAddress(arch: Arch, pcAfter: bigint): bigint {
  return pcAfter - arch.trapPcAdvance;
}

/** The breakpoint instruction starts `code` at `at`. */
export function isBreakpointAt(arch: Arch, code: Uint8Array, at = 0): boolean {
  const bp = arch.breakpoint;
  for (let i = 0; i < bp.length; i++) if (code[at + i] !== bp[i]) return false;
  return true;
}
