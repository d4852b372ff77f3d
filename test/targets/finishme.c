/*
 * For `finish` and `bt`: main calls outer(n) which calls the recursive depth(k); depth(0) blocks
 * in nanosleep (so a process can be caught inside libc) or returns a value that depends on n.
 * "ready PID" once started; argv[1] = n, argv[2] = "sleep" to block at the bottom.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int block;
char greeting[] = "hello, \"pdbg\"\n\ttab";

__attribute__((noinline)) long depth(long k) {
  if (k == 0) {
    if (block) {
      struct timespec ts = {1000, 0};
      nanosleep(&ts, NULL);
    }
    return 4242;
  }
  return depth(k - 1) + k;
}

__attribute__((noinline)) long outer(long n) {
  long r = depth(n);
  return r * 2;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  long n = argc > 1 ? atol(argv[1]) : 3;
  block = argc > 2 && strcmp(argv[2], "sleep") == 0;
  printf("ready %d\n", getpid());
  long r = outer(n);
  printf("result %ld %s\n", r, greeting);
  return 0;
}
