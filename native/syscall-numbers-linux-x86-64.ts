/**
 * The x86-64 Linux system call numbers pdbg calls through syscall(2) (arch/x86/entry/syscalls/
 * syscall_64.tbl): the calls glibc has no wrapper for, or whose wrapper does more than the
 * call (setgroups broadcasts to every thread: fs-creds.ts). Another architecture numbers them
 * differently.
 */
export const SYS_GETGROUPS = 115;
export const SYS_SETGROUPS = 116;
export const SYS_SETFSUID = 122;
export const SYS_SETFSGID = 123;
export const SYS_TGKILL = 234;
