/*
 * The fault matrix's debuggee (test/fault-matrix.test.ts): `faultee MODE STATUSFILE`.
 *
 * The process started is a supervisor: it forks the worker (the process pdbg debugs), prints
 * `supervisor PID` and `worker PID`, and when the worker ends writes how to STATUSFILE (`killed 5`, `exited 0`). The
 * test cannot wait for a process that is not its child, and a debuggee killed by a forgotten
 * 0xCC is reaped by someone: this way the test learns the signal instead of only "gone".
 *
 * Every mode calls tick() over and over, the hot function the matrix plants a breakpoint on;
 * never_called() is never reached (a breakpoint there is planted but never hit). The globals
 * are read by the test through /proc/PID/mem:
 *   progress    tick() calls in this address space (the worker's)
 *   forks       children reaped (fork, vfork)
 *   killed      of those, how many died by a signal (a breakpoint left in their text: SIGTRAP)
 *   killed_sig  the last such signal
 *
 * The worker dies with the supervisor (PR_SET_PDEATHSIG), so killing the pid `pdbg start`
 * printed cleans everything up.
 *
 * Modes:
 *   loop   tick() in a tight loop
 *   block  the main thread sits in read() on a pipe nobody writes; a ticker thread ticks
 *   churn  creates 200 threads, joins them, again; each ticks three times
 *   fork   fork(); the child ticks three times and _exit(0)s; the parent waitpid()s and counts
 *   vfork  the same with vfork() (the child shares the parent's memory: tick() is all it does)
 *   threads  8 threads call tick() in a tight loop (the main thread waits): many threads hit
 *          a breakpoint on it at once, so stops of other threads are collected in every all-stop
 * fork and vfork block SIGCHLD: a signal stop for every child would end `pdbg step` early,
 * which is correct behaviour but not the state the matrix wants to interrupt.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

volatile unsigned long progress;
volatile unsigned long forks;
volatile unsigned long killed;
volatile int killed_sig;
volatile unsigned long never;

__attribute__((noinline)) void tick(void) { __atomic_fetch_add(&progress, 1, __ATOMIC_RELAXED); }

__attribute__((noinline)) void never_called(void) { never++; }

static void nap(long us) {
  struct timespec ts = {0, us * 1000};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

static void ready(const char *mode) {
  printf("ready %s %d\n", mode, (int)getpid());
  fflush(stdout);
}

static void loop_mode(void) {
  ready("loop");
  for (;;) tick();
}

static void *ticker(void *arg) {
  (void)arg;
  for (;;) {
    tick();
    nap(1000);
  }
  return NULL;
}

static void block_mode(void) {
  int p[2];
  if (pipe(p) != 0) exit(2);
  pthread_t t;
  if (pthread_create(&t, NULL, ticker, NULL) != 0) exit(2);
  ready("block");
  char c;
  /* The write end stays open and nobody writes: read() blocks for ever (EINTR: again). */
  for (;;) (void)read(p[0], &c, 1);
}

static void *churner(void *arg) {
  (void)arg;
  for (int i = 0; i < 3; i++) {
    tick();
    nap(2000);
  }
  return NULL;
}

enum { CHURN = 200 };

static void churn_mode(void) {
  static pthread_t ts[CHURN];
  pthread_attr_t a;
  pthread_attr_init(&a);
  pthread_attr_setstacksize(&a, 64 * 1024);
  ready("churn");
  for (;;) {
    int n = 0;
    while (n < CHURN && pthread_create(&ts[n], &a, churner, NULL) == 0) n++;
    for (int i = 0; i < n; i++) pthread_join(ts[i], NULL);
  }
}

static void reap(pid_t c) {
  int st;
  while (waitpid(c, &st, 0) < 0) {
    if (errno != EINTR) return;
  }
  forks++;
  if (WIFSIGNALED(st)) {
    killed++;
    killed_sig = WTERMSIG(st);
  }
}

static void block_sigchld(void) {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGCHLD);
  sigprocmask(SIG_BLOCK, &s, NULL);
}

static void fork_mode(void) {
  block_sigchld();
  ready("fork");
  for (;;) {
    tick();
    pid_t c = fork();
    if (c == 0) {
      for (int i = 0; i < 3; i++) tick();
      _exit(0);
    }
    if (c > 0) reap(c);
    nap(2000);
  }
}

static void vfork_mode(void) {
  block_sigchld();
  ready("vfork");
  for (;;) {
    tick();
    pid_t c = vfork();
    if (c == 0) {
      tick();
      _exit(0);
    }
    if (c > 0) reap(c);
    nap(2000);
  }
}

static void *spinner(void *arg) {
  (void)arg;
  for (;;) tick();
  return NULL;
}

enum { SPINNERS = 8 };

static void threads_mode(void) {
  pthread_t t;
  for (int i = 0; i < SPINNERS; i++)
    if (pthread_create(&t, NULL, spinner, NULL) != 0) exit(2);
  ready("threads");
  for (;;) pause();
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: faultee loop|block|churn|fork|vfork|threads STATUSFILE\n");
    return 2;
  }
  const char *mode = argv[1];
  void (*run)(void) = strcmp(mode, "loop") == 0    ? loop_mode
                      : strcmp(mode, "block") == 0 ? block_mode
                      : strcmp(mode, "churn") == 0 ? churn_mode
                      : strcmp(mode, "fork") == 0  ? fork_mode
                      : strcmp(mode, "vfork") == 0 ? vfork_mode
                      : strcmp(mode, "threads") == 0 ? threads_mode
                                                   : NULL;
  if (!run) {
    fprintf(stderr, "faultee: unknown mode %s\n", mode);
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  pid_t supervisor = getpid();
  pid_t w = fork();
  if (w < 0) return 2;
  if (w == 0) {
    /* Killing the supervisor (the test's cleanup) takes the worker along. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != supervisor) _exit(0);
    run();
    return 0;
  }
  printf("supervisor %d\nworker %d\n", (int)supervisor, (int)w);
  fflush(stdout);
  int st;
  while (waitpid(w, &st, 0) < 0) {
    if (errno != EINTR) return 2;
  }
  FILE *f = fopen(argv[2], "w");
  if (!f) return 2;
  if (WIFSIGNALED(st)) fprintf(f, "killed %d\n", WTERMSIG(st));
  else fprintf(f, "exited %d\n", WEXITSTATUS(st));
  fclose(f);
  return 0;
}
