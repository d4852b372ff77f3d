/*
 * Calls whose arguments are known, for `pdbg trace`:
 *   seq N      tr_step(i, i+1) for i = 0..N-1, then exits 7
 *   rec N      tr_fact(N): recursive, tr_fact(k) = k * tr_fact(k-1), tr_fact(0) = 1
 *   threads N  8 threads, thread t calls tr_step(t*1000000 + i, t) for i = 0..N-1
 *   spin       tr_step(i, 0) for i = 0, 1, … for ever; prints "ready PID" first
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

volatile long sink;

__attribute__((noinline)) long tr_step(long i, long j) {
  sink += i;
  return i + j;
}

__attribute__((noinline)) long tr_fact(long n) {
  if (n <= 0) return 1;
  return n * tr_fact(n - 1);
}

static long per_thread;

static void *worker(void *arg) {
  long t = (long)arg;
  for (long i = 0; i < per_thread; i++) tr_step(t * 1000000 + i, t);
  return NULL;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "spin";
  long n = argc > 2 ? atol(argv[2]) : 10;
  alarm(300);
  if (strcmp(mode, "seq") == 0) {
    for (long i = 0; i < n; i++) tr_step(i, i + 1);
    return 7;
  }
  if (strcmp(mode, "rec") == 0) {
    printf("%ld\n", tr_fact(n));
    return 0;
  }
  if (strcmp(mode, "threads") == 0) {
    pthread_t th[8];
    per_thread = n;
    for (long t = 0; t < 8; t++) pthread_create(&th[t], NULL, worker, (void *)t);
    for (int t = 0; t < 8; t++) pthread_join(th[t], NULL);
    return 0;
  }
  printf("ready %d\n", (int)getpid());
  fflush(stdout);
  for (long i = 0;; i++) tr_step(i, 0);
}
