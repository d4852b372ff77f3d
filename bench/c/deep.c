/*
 * The `backtrace` row's target: main calls `depth` DEPTH levels deep (argv[1], default 28) and
 * the innermost level blocks in nanosleep, so a stop has DEPTH + 2 frames down to main
 * (clock_nanosleep, nanosleep, depth × DEPTH, main). Built -O2 -fomit-frame-pointer
 * -fasynchronous-unwind-tables: no frame pointers, the unwinder must use the CFI.
 * Prints `deep PID` when it is about to sleep; ends itself after ten minutes (SIGALRM).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

volatile int sink, wake;

__attribute__((noinline, noclone)) int depth(int n)
{
	if (n <= 1) {
		struct timespec ts = { 3600, 0 };
		printf("deep %d\n", (int)getpid());
		fflush(stdout);
		while (!wake)
			nanosleep(&ts, NULL);
		return 0;
	}
	int r = depth(n - 1);
	sink = r; /* work after the call: not a tail call, each level keeps its frame */
	return r + n;
}

int main(int argc, char **argv)
{
	alarm(600);
	int n = argc > 1 ? atoi(argv[1]) : 28;
	return depth(n) & 1;
}
