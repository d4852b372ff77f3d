/*
 * The debuggee-safety target, one mode per way a debugger can harm a program:
 *   loop   calls tick() in a tight loop            block  sits in read() on a pipe nobody writes
 *   write  write(2) then usleep, in a loop         churn  200 threads at a time, each calling tick()
 *   fork   fork()s children that call child_work() vfork  the same with vfork()
 * `counter` counts progress (ticks, loops, children); `bad` counts children killed by a signal.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

volatile unsigned long counter;
volatile unsigned long bad;

__attribute__((noinline)) void tick(void) { __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED); }
__attribute__((noinline)) void never_called(void) { bad++; }
__attribute__((noinline)) void child_work(void) { tick(); }

static void *worker(void *arg) {
  (void)arg;
  for (int i = 0; i < 50; i++) tick();
  return NULL;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "loop";
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("ready %d\n", getpid());
  if (!strcmp(mode, "block")) {
    int p[2];
    char c;
    if (pipe(p)) return 2;
    for (;;) {
      counter++;
      if (read(p[0], &c, 1) < 0) never_called();
    }
  }
  if (!strcmp(mode, "write")) {
    for (;;) {
      write(1, "w\n", 2);
      counter++;
      usleep(1000);
    }
  }
  if (!strcmp(mode, "churn")) {
    pthread_t t[200];
    for (;;) {
      for (int i = 0; i < 200; i++) pthread_create(&t[i], NULL, worker, NULL);
      for (int i = 0; i < 200; i++) pthread_join(t[i], NULL);
    }
  }
  if (!strcmp(mode, "fork") || !strcmp(mode, "vfork")) {
    int v = !strcmp(mode, "vfork");
    for (;;) {
      pid_t c = v ? vfork() : fork();
      if (c == 0) {
        child_work();
        _exit(0);
      }
      int st;
      if (c > 0 && waitpid(c, &st, 0) == c && WIFSIGNALED(st)) bad++;
      counter++;
      usleep(500);
    }
  }
  for (;;) tick();
}
