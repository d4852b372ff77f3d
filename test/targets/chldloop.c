/* Forks children that exit at once (each exit sends this process a SIGCHLD), reaps them, then
 * calls after_children(): a debugger's `cont` to a breakpoint there must not stop on the SIGCHLDs. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

volatile int reaped;

__attribute__((noinline)) void after_children(void) { printf("reaped %d\n", reaped); fflush(stdout); }

int main(void)
{
	for (int i = 0; i < 5; i++) {
		pid_t c = fork();
		if (c == 0) _exit(0);
		if (c > 0 && waitpid(c, NULL, 0) == c) reaped++;
	}
	after_children();
	return 0;
}
