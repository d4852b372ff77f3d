/**
 * open(2)'s flags and the `*at` calls' "current directory" on x86-64 Linux
 * (include/uapi/asm-generic/fcntl.h; arm64 and arm number O_DIRECTORY and O_NOFOLLOW
 * otherwise).
 */
export const O_RDONLY = 0;
export const O_NOCTTY = 0o400;
export const O_NONBLOCK = 0o4000;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;
export const O_CLOEXEC = 0o2000000;
export const O_PATH = 0o10000000;

/** The `dirfd` that means "relative to the current directory" (or ignored for an absolute path). */
export const AT_FDCWD = -100;
