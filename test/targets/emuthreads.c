/*
 * Four threads hammering two functions: `emu_fn` opens with `push %rbp` (in pdbg's emulation
 * table), `step_fn` with a locked memory increment (not in it: stepped over). Each function
 * counts its own calls atomically; main joins the threads and prints both counts.
 * Usage: emuthreads [CALLS_PER_THREAD]   prints `ready PID`, then `emu N step M`, exits 0.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define THREADS 4

long emu_calls, step_calls;
static int calls_per_thread;

__attribute__((noinline)) void emu_fn(void)
{
	__atomic_fetch_add(&emu_calls, 1, __ATOMIC_SEQ_CST);
}

extern void step_fn(void);
__asm__(".text\n.globl step_fn\n.type step_fn,@function\nstep_fn:\n"
        "lock incq step_calls(%rip)\nret\n.size step_fn, .-step_fn\n");

static void *worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < calls_per_thread; i++) {
		emu_fn();
		step_fn();
	}
	return NULL;
}

int main(int argc, char **argv)
{
	calls_per_thread = argc > 1 ? atoi(argv[1]) : 200;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready %d\n", getpid());
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
	printf("emu %ld step %ld\n", emu_calls, step_calls);
	return 0;
}
