/* Writes a global and prints it: edits to `value` (mem) or to rax (regs) show in the output. */
#include <stdio.h>
#include <unistd.h>

volatile long value = 42;

__attribute__((noinline)) long get_value(void) {
  return value;
}

__attribute__((noinline)) void checkpoint(void) {
  __asm__ volatile("" ::: "memory");
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("ready %d value=%ld addr=%p\n", getpid(), value, (void *)&value);
  checkpoint();
  long v = get_value();
  printf("value=%ld got=%ld\n", value, v);
  return 0;
}
