/**
 * ptrace(2)'s numbers on Linux, the same on every architecture: the requests, the options of
 * PTRACE_SEIZE, the event stops, and the siginfo codes of a SIGTRAP. (The register requests are
 * x86-64's own: ptrace-linux-x86-64.ts.)
 */
export const PTRACE_TRACEME = 0;
export const PTRACE_CONT = 7;
export const PTRACE_KILL = 8;
export const PTRACE_SINGLESTEP = 9;
export const PTRACE_ATTACH = 16;
export const PTRACE_DETACH = 17;
export const PTRACE_SETOPTIONS = 0x4200;
export const PTRACE_GETEVENTMSG = 0x4201;
export const PTRACE_GETSIGINFO = 0x4202;
export const PTRACE_SEIZE = 0x4206;
export const PTRACE_INTERRUPT = 0x4207;
export const PTRACE_LISTEN = 0x4208;
export const PTRACE_PEEKSIGINFO = 0x4209;

export const PTRACE_O_TRACESYSGOOD = 0x01;
export const PTRACE_O_TRACEFORK = 0x02;
export const PTRACE_O_TRACEVFORK = 0x04;
export const PTRACE_O_TRACECLONE = 0x08;
export const PTRACE_O_TRACEEXEC = 0x10;
export const PTRACE_O_TRACEVFORKDONE = 0x20;
export const PTRACE_O_TRACEEXIT = 0x40;
export const PTRACE_O_EXITKILL = 0x100000;

export const PTRACE_EVENT_FORK = 1;
export const PTRACE_EVENT_VFORK = 2;
export const PTRACE_EVENT_CLONE = 3;
export const PTRACE_EVENT_EXEC = 4;
export const PTRACE_EVENT_VFORK_DONE = 5;
export const PTRACE_EVENT_EXIT = 6;
export const PTRACE_EVENT_STOP = 128;

/** sizeof(siginfo_t). */
export const SIGINFO_SIZE = 128;

/** siginfo_t si_code values that tell a single step from an int3 from a sent SIGTRAP. */
export const SI_USER = 0;
export const SI_KERNEL = 0x80;
export const SI_TKILL = -6;
export const TRAP_BRKPT = 1;
export const TRAP_TRACE = 2;
export const TRAP_HWBKPT = 4;
