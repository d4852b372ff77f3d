/* Symbol oracle target: main, a static function, a global object and libc calls, then waits. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int sym_counter = 0;

static __attribute__((noinline)) int sym_static_helper(int x) {
  sym_counter += x;
  return sym_counter * 2;
}

int main(void) {
  char buf[64];
  int n = snprintf(buf, sizeof buf, "pid %d ready %d\n", (int)getpid(), sym_static_helper(1));
  write(1, buf, (size_t)n);
  for (;;) {
    sym_static_helper(1);
    pause();
  }
}
