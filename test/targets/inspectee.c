/* Inspection target: a global string, a function called in a loop (conditions, ignore counts),
 * a recursive one (nexti's frame check) and one that takes the string (x/s $rdi). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

char greeting[] = "hello, \"world\"\n\tend";
volatile int flag = -7;

__attribute__((noinline)) int f(int i) {
  return i * 3;
}

__attribute__((noinline)) int rec(int n) {
  return n <= 0 ? 0 : 1 + rec(n - 1);
}

__attribute__((noinline)) void checkpoint(const char *s) {
  flag += s[0];
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 10;
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("ready %d\n", getpid());
  checkpoint(greeting);
  int total = 0;
  for (int i = 0; i < n; i++) total += f(i);
  total += rec(3);
  printf("total %d\n", total);
  return 0;
}
