/* TUI target: calls tui_tick() every few ms forever, so a breakpoint on it is hit soon. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

volatile unsigned long tui_ticks = 0;

__attribute__((noinline)) void tui_tick(void) {
  tui_ticks++;
}

static __attribute__((noinline)) void tui_wait(void) {
  struct timespec ts = {0, 5 * 1000 * 1000};
  nanosleep(&ts, NULL);
}

int main(void) {
  printf("pid %d ready\n", (int)getpid());
  fflush(stdout);
  for (;;) {
    tui_tick();
    tui_wait();
  }
}
