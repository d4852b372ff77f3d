/**
 * The architecture pdbg runs on and debugs: what the engine uses when it is handed none. native/
 * is x86-64 Linux only (ptrace's GETREGS), so this is x86-64; a second architecture would choose
 * here from `process.arch`.
 */
import type { Arch } from './arch.js';
import { x86_64 } from './x86-64/index.js';

export const HOST_ARCH: Arch = x86_64;
