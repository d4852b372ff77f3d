/*
 * Baseline for "breakpoint hits per second": an int3 at ADDR (written through /proc/PID/mem,
 * as pdbg plants it), then N round trips of a persistent breakpoint:
 * continue, wait for the trap, read regs, put the original byte back, rewind rip, step over
 * the instruction, re-insert the int3.
 * Usage: breakpoint PID ADDR N
 */
#include <fcntl.h>
#include <unistd.h>
#include <sys/user.h>
#include "trace.h"

static void poke(int fd, unsigned long addr, unsigned char byte)
{
	if (pwrite(fd, &byte, 1, (off_t)addr) != 1)
		die("pwrite mem");
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: breakpoint PID ADDR N\n");
		return 2;
	}
	pid_t pid = atoi(argv[1]);
	unsigned long addr = strtoul(argv[2], NULL, 0);
	long long n = atoll(argv[3]);
	struct user_regs_struct regs;
	char path[64];
	unsigned char orig;

	attach(pid);
	snprintf(path, sizeof path, "/proc/%d/mem", pid);
	int fd = open(path, O_RDWR);
	if (fd < 0)
		die(path);
	if (pread(fd, &orig, 1, (off_t)addr) != 1)
		die("pread mem");
	poke(fd, addr, 0xcc);

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
		poke(fd, addr, orig);
		regs.rip = addr;
		if (ptrace(PTRACE_SETREGS, pid, 0, &regs) < 0)
			die("PTRACE_SETREGS");
		if (ptrace(PTRACE_SINGLESTEP, pid, 0, 0) < 0)
			die("PTRACE_SINGLESTEP");
		wait_stop(pid);
		poke(fd, addr, 0xcc);
	}
	long long t1 = now_ns();

	poke(fd, addr, orig);
	close(fd);
	detach(pid);
	report(n, 0, t1 - t0);
	return 0;
}
