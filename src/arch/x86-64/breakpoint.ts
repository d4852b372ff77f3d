/**
 * The x86-64 software breakpoint: `int3`, one byte, so it fits over any instruction's first
 * byte. It traps after it has run, so the pc the kernel reports is one past it, and a hit is
 * rewound by one before the displaced instruction can run.
 */

/** The `int3` opcode. */
export const INT3 = 0xcc;

/** How far past the int3 the pc is at its trap. */
export const INT3_PC_ADVANCE = 1n;
