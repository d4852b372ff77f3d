/* A pthreads program: N workers spin on their own counters; main joins them (never returns). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MAXT 16
volatile unsigned long counters[MAXT];

__attribute__((noinline)) void worker_tick(int id) {
  counters[id]++;
}

static void *worker(void *arg) {
  int id = (int)(long)arg;
  for (;;) worker_tick(id);
  return NULL;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 3;
  if (n > MAXT) n = MAXT;
  pthread_t t[MAXT];
  setvbuf(stdout, NULL, _IOLBF, 0);
  for (int i = 0; i < n; i++) pthread_create(&t[i], NULL, worker, (void *)(long)i);
  printf("ready %d threads %d\n", getpid(), n);
  for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
  return 0;
}
