/*
 * The benchmark's target: one program, three shapes of work, chosen by argv[1].
 *   step   a straight-line loop in user space, so every single step is a plain instruction
 *   break  a hot function called in a loop (noinline: it stays a function to break on)
 *   mem    a 64 MiB buffer filled with a pattern, then sleeps
 * Each mode prints one line on stdout when ready: `MODE PID ADDR [SIZE]`.
 * It ends itself after ten minutes (SIGALRM) so that a bench killed with SIGKILL, which cannot
 * clean up, leaves no busy loop behind; every sample uses a fresh target and takes seconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

volatile unsigned long counter;

__attribute__((noinline)) void hot_fn(void)
{
	counter++;
	__asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "step";

	alarm(600);

	if (strcmp(mode, "mem") == 0) {
		size_t size = (size_t)64 << 20;
		unsigned char *buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (buf == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		/* Touch every page so reads hit real memory, not the zero page. */
		for (size_t i = 0; i < size; i++)
			buf[i] = (unsigned char)(i * 31 + 7);
		printf("mem %d %p %zu\n", (int)getpid(), (void *)buf, size);
		fflush(stdout);
		for (;;)
			pause();
	}
	if (strcmp(mode, "break") == 0) {
		printf("break %d %p\n", (int)getpid(), (void *)hot_fn);
		fflush(stdout);
		for (;;)
			hot_fn();
	}
	printf("step %d %p\n", (int)getpid(), (void *)&counter);
	fflush(stdout);
	for (;;)
		counter++;
}
