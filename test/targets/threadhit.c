/* A worker thread calls tick(i) every millisecond; main waits in pthread_join. "ready PID WORKER". */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

volatile int worker_tid;
volatile long ticks;

__attribute__((noinline)) void tick(long i) {
  ticks += i;
}

static void *work(void *arg) {
  (void)arg;
  worker_tid = (int)syscall(SYS_gettid);
  for (long i = 0;; i++) {
    tick(i);
    usleep(1000);
  }
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, work, NULL);
  while (!worker_tid) usleep(100);
  printf("ready %d %d\n", getpid(), worker_tid);
  fflush(stdout);
  pthread_join(t, NULL);
  return 0;
}
