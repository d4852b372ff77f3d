/*
 * Backtrace target: main -> bt_outer -> bt_middle -> bt_inner, which prints its own rip (a label
 * inside it), rsp and rbp, then waits in pause() so the stack stays as printed.
 */
#include <stdio.h>
#include <unistd.h>

__attribute__((noinline)) void bt_inner(int depth) {
  void *sp, *fp;
here:
  __asm__ volatile("mov %%rsp, %0; mov %%rbp, %1" : "=r"(sp), "=r"(fp));
  printf("pid %d rip %p rsp %p rbp %p depth %d ready\n", (int)getpid(), &&here, sp, fp, depth);
  fflush(stdout);
  for (;;) pause();
}

__attribute__((noinline)) void bt_middle(int d) { bt_inner(d + 1); }
static __attribute__((noinline)) void bt_outer(int d) { bt_middle(d + 1); }

int main(void) {
  bt_outer(1);
  return 0;
}
