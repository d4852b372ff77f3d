/* Exits mid-run: prints, then exits with argv[1] (default 3) after a few instructions,
 * or kills itself with a signal when argv[2] names one (e.g. "segv"). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((noinline)) void before_exit(void) {
  __asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv) {
  int code = argc > 1 ? atoi(argv[1]) : 3;
  int delay_ms = argc > 3 ? atoi(argv[3]) : 0;
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("ready %d\n", getpid());
  if (delay_ms) usleep(delay_ms * 1000);
  before_exit();
  if (argc > 2 && strcmp(argv[2], "segv") == 0) {
    volatile int *p = (int *)8;
    *p = 1;
  }
  _exit(code);
}
