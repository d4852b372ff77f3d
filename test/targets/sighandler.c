/* Ignores SIGUSR2 and SIGHUP, handles SIGUSR1 and SIGTERM (counting them and printing), and spins. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

volatile sig_atomic_t usr1_count, term_count;

static void on_signal(int sig) {
  if (sig == SIGUSR1) usr1_count++;
  if (sig == SIGTERM) term_count++;
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGUSR1, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGUSR2, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("ready %d\n", getpid());
  int seen1 = 0, seenterm = 0;
  for (;;) {
    if (usr1_count != seen1) { seen1 = usr1_count; printf("usr1 %d\n", seen1); }
    if (term_count != seenterm) { seenterm = term_count; printf("term %d\n", seenterm); }
    usleep(1000);
  }
}
