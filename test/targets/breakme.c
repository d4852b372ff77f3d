/* A function to break on: main calls target_fn(i) in a loop and prints what it returned. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((noinline)) int target_fn(int x) {
  return x * 2 + 1;
}

__attribute__((noinline)) void done_fn(int total) {
  printf("total %d\n", total);
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 5;
  int delay_ms = argc > 2 ? atoi(argv[2]) : 0;
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("ready %d\n", getpid());
  int total = 0;
  for (int i = 0; i < n; i++) {
    int r = target_fn(i);
    total += r;
    printf("call %d -> %d\n", i, r);
    if (delay_ms) usleep(delay_ms * 1000);
  }
  done_fn(total);
  return 0;
}
