/*
 * For the CFI unwinder: built -O2 -fomit-frame-pointer, main calls a chain of noinline functions
 * that keep values in callee-saved registers across their calls (so the CFI saves rbx/rbp/r12…),
 * and the last blocks in nanosleep inside libc. Prints "ready PID" once it is about to block.
 * With the argument "signal", the last function raises SIGUSR1 instead, and the handler calls
 * another noinline chain that blocks: a stack through glibc's __restore_rt signal frame.
 * With "deep", main recurses 24 frames deep before blocking.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

volatile long sink;

__attribute__((noinline)) static void block_forever(void) {
  struct timespec ts = {1000, 0};
  for (;;) nanosleep(&ts, NULL);
}

__attribute__((noinline)) static long in_handler(long x) {
  sink = x;
  block_forever();
  return sink + x;
}

static void on_usr1(int sig) {
  sink = in_handler(sig) + 1;
}

static int use_signal;

/* "deep": 24 more frames, so a walk through libc has 30-odd frames to time. */
__attribute__((noinline)) long recurse(long n) {
  if (n == 0) {
    printf("ready %d\n", getpid());
    fflush(stdout);
    block_forever();
  }
  long r = recurse(n - 1);
  return r + n * sink;
}

__attribute__((noinline)) long level5(long a) {
  long keep = a * 7 + sink;
  printf("ready %d\n", getpid());
  fflush(stdout);
  if (use_signal) raise(SIGUSR1);
  else block_forever();
  return keep + sink;
}

__attribute__((noinline)) long level4(long a, long b) {
  long x = a ^ b, y = a + sink;
  long r = level5(x + y);
  return r * x + y;
}

__attribute__((noinline)) long level3(long a) {
  long x = a * 3, y = a - sink, z = a + 11;
  long r = level4(x, y);
  return r + x * y + z;
}

__attribute__((noinline)) long level2(long a) {
  char buf[200];
  memset(buf, (int)a, sizeof buf);
  sink = buf[a & 127];
  long r = level3(a + buf[7]);
  return r + buf[(a + 1) & 127];
}

__attribute__((noinline)) long level1(long a) {
  long x = a + 1, y = a * a;
  long r = level2(x);
  return r - y + x;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "signal") == 0) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    use_signal = 1;
  }
  if (argc > 1 && strcmp(argv[1], "deep") == 0) return (int)recurse(24);
  long r = level1(argc);
  printf("%ld\n", r);
  return 0;
}
