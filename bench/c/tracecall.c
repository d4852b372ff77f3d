/*
 * The trace row's target: `tracecall N TIMEFILE` calls bt_step(0) once (binding its PLT slot,
 * untimed), then bt_step(1) … bt_step(N) in a timed loop, and writes "N NS" to TIMEFILE: the
 * loop's own time under whichever tracer runs it, so no tool's start-up, attach or symbol
 * loading is in the number, and every tool is timed by the same clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

long bt_step(long i);

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	long n = atol(argv[1]);
	volatile long sink = bt_step(0);
	alarm(600);
	long long t0 = now_ns();
	for (long i = 1; i <= n; i++)
		sink += bt_step(i);
	long long ns = now_ns() - t0;
	FILE *f = fopen(argv[2], "w");
	if (!f)
		return 1;
	fprintf(f, "%ld %lld\n", n, ns);
	fclose(f);
	return 0;
}
