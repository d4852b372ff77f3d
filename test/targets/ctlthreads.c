/* Two threads spinning on their own counters: "ready PID MAINTID OTHERTID". */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

volatile unsigned long counters[2];
volatile int other_tid = 0;

static void *spin(void *arg) {
  (void)arg;
  other_tid = (int)syscall(SYS_gettid);
  for (;;) counters[1]++;
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, spin, NULL);
  while (!other_tid) ;
  printf("ready %d %d %d\n", getpid(), (int)syscall(SYS_gettid), other_tid);
  fflush(stdout);
  for (;;) counters[0]++;
}
