/*
 * Baseline for "single steps per second": attach to PID, then N times
 * PTRACE_SINGLESTEP + waitpid + PTRACE_GETREGS, the same work as pdbg's step loop; with `poll`
 * the wait is a WNOHANG spin (trace.h wait_stop_poll) instead of a blocking waitpid.
 * Usage: step PID N [poll]
 */
#include <sys/user.h>
#include "trace.h"

int main(int argc, char **argv)
{
	if (argc != 3 && !(argc == 4 && strcmp(argv[3], "poll") == 0)) {
		fprintf(stderr, "usage: step PID N [poll]\n");
		return 2;
	}
	pid_t pid = atoi(argv[1]);
	long long n = atoll(argv[2]);
	int poll = argc == 4;
	struct user_regs_struct regs;

	attach(pid);
	long long t0 = now_ns();
	for (long long i = 0; i < n; i++) {
		if (ptrace(PTRACE_SINGLESTEP, pid, 0, 0) < 0)
			die("PTRACE_SINGLESTEP");
		int status = poll ? wait_stop_poll(pid) : wait_stop(pid);
		if (WSTOPSIG(status) != SIGTRAP) {
			fprintf(stderr, "step %lld: stopped by signal %d\n", i, WSTOPSIG(status));
			return 1;
		}
		if (ptrace(PTRACE_GETREGS, pid, 0, &regs) < 0)
			die("PTRACE_GETREGS");
	}
	long long t1 = now_ns();
	detach(pid);
	report(n, 0, t1 - t0);
	return 0;
}
