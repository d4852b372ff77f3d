/* Separate-debug-file target: a static function only .symtab names, then waits. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

volatile int dbg_counter = 0;

static __attribute__((noinline)) int dbg_hidden_fn(int x) {
  dbg_counter += x;
  return dbg_counter * 3;
}

int main(void) {
  char buf[64];
  int n = snprintf(buf, sizeof buf, "pid %d ready %d\n", (int)getpid(), dbg_hidden_fn(1));
  write(1, buf, (size_t)n);
  for (;;) {
    dbg_hidden_fn(1);
    pause();
  }
}
