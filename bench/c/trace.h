/* What the C baselines share: attach without a stray SIGSTOP, checked waits, a clock, the result line. */
#ifndef BENCH_TRACE_H
#define BENCH_TRACE_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

static inline void die(const char *what)
{
	fprintf(stderr, "%s: %s\n", what, strerror(errno));
	exit(1);
}

/* Waits for the next stop of pid; anything but a stop (exit, kill) ends the baseline. */
static inline int wait_stop(pid_t pid)
{
	int status;
	if (waitpid(pid, &status, __WALL) < 0)
		die("waitpid");
	if (!WIFSTOPPED(status)) {
		fprintf(stderr, "target %d did not stop (status 0x%x)\n", pid, status);
		exit(1);
	}
	return status;
}

/*
 * The same by polling: waitpid(WNOHANG) in a loop, never sleeping. On a 2-core VM a blocking
 * waitpid pays a cross-CPU wake-up per stop that a spinning tracer does not (pdbg's wait spins
 * first, wait-strategy.ts), so the step baseline is measured both ways.
 */
static inline int wait_stop_poll(pid_t pid)
{
	int status;
	pid_t r;
	while ((r = waitpid(pid, &status, __WALL | WNOHANG)) == 0)
		;
	if (r < 0)
		die("waitpid");
	if (!WIFSTOPPED(status)) {
		fprintf(stderr, "target %d did not stop (status 0x%x)\n", pid, status);
		exit(1);
	}
	return status;
}

/* SEIZE + INTERRUPT, as a debugger that must not leave a pending SIGSTOP behind. */
static inline void attach(pid_t pid)
{
	if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0)
		die("PTRACE_SEIZE");
	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0)
		die("PTRACE_INTERRUPT");
	wait_stop(pid);
}

static inline void detach(pid_t pid)
{
	if (ptrace(PTRACE_DETACH, pid, 0, 0) < 0)
		die("PTRACE_DETACH");
}

static inline long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The one line the bench parses. */
static inline void report(long long ops, long long bytes, long long ns)
{
	printf("{\"ops\":%lld,\"bytes\":%lld,\"ns\":%lld}\n", ops, bytes, ns);
}

#endif
