/*
 * Second baseline for "breakpoint hits per second, emulated": the same persistent int3 at ADDR
 * as breakpoint.c, but the displaced instruction, which must be `push %rbp` (0x55, a -O0
 * function's entry), is executed here instead of single-stepped: rsp -= 8, rbp stored at the
 * new rsp through /proc/PID/mem, rip one past it. One stop a hit, as pdbg's emulation does.
 * Usage: emulate PID ADDR N
 */
#include <fcntl.h>
#include <unistd.h>
#include <sys/user.h>
#include "trace.h"

static void poke(int fd, unsigned long addr, const void *bytes, size_t len)
{
	if (pwrite(fd, bytes, len, (off_t)addr) != (ssize_t)len)
		die("pwrite mem");
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: emulate PID ADDR N\n");
		return 2;
	}
	pid_t pid = atoi(argv[1]);
	unsigned long addr = strtoul(argv[2], NULL, 0);
	long long n = atoll(argv[3]);
	struct user_regs_struct regs;
	char path[64];
	unsigned char orig, int3 = 0xcc;

	attach(pid);
	snprintf(path, sizeof path, "/proc/%d/mem", pid);
	int fd = open(path, O_RDWR);
	if (fd < 0)
		die(path);
	if (pread(fd, &orig, 1, (off_t)addr) != 1)
		die("pread mem");
	if (orig != 0x55) {
		fprintf(stderr, "emulate: the instruction at 0x%lx is not push %%rbp (0x%02x)\n", addr, orig);
		return 1;
	}
	poke(fd, addr, &int3, 1);

	long long t0 = now_ns();
	for (long long i = 0; i < n; i++) {
		if (ptrace(PTRACE_CONT, pid, 0, 0) < 0)
			die("PTRACE_CONT");
		int status = wait_stop(pid);
		if (ptrace(PTRACE_GETREGS, pid, 0, &regs) < 0)
			die("PTRACE_GETREGS");
		if (WSTOPSIG(status) != SIGTRAP || regs.rip != addr + 1) {
			fprintf(stderr, "hit %lld: signal %d at 0x%llx, not the breakpoint\n", i,
			        WSTOPSIG(status), regs.rip);
			return 1;
		}
		/* rip is already one past the int3, where push %rbp ends. */
		regs.rsp -= 8;
		poke(fd, regs.rsp, &regs.rbp, 8);
		if (ptrace(PTRACE_SETREGS, pid, 0, &regs) < 0)
			die("PTRACE_SETREGS");
	}
	long long t1 = now_ns();

	poke(fd, addr, &orig, 1);
	close(fd);
	detach(pid);
	report(n, 0, t1 - t0);
	return 0;
}
