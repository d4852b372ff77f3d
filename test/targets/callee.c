/* Functions for `call` (integers, a string, a fault) and two ways of waiting: in read(2) (a call
 * the kernel restarts by ERESTARTSYS) or in nanosleep (restarted from per-thread state). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

volatile long calls;

__attribute__((noinline)) long add3(long a, long b, long c) { calls++; return a + b + c; }
__attribute__((noinline)) long mix6(long a, long b, long c, long d, long e, long f) { calls++; return a - b + c * d - e + f * 100; }
__attribute__((noinline)) long length_of(const char *s) { calls++; return (long)strlen(s); }
__attribute__((noinline)) int fault_now(void) { calls++; return *(volatile int *)8; }
__attribute__((noinline)) void tick(long i) { printf("tick %ld calls %ld\n", i, calls); fflush(stdout); }

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "read";
  printf("ready %d\n", getpid());
  fflush(stdout);
  for (long i = 0;; i++) {
    if (strcmp(mode, "read") == 0) {
      char c;
      if (read(0, &c, 1) != 1) return 0;
    } else {
      struct timespec ts = {0, 20 * 1000 * 1000};
      nanosleep(&ts, NULL);
    }
    tick(i);
  }
}
