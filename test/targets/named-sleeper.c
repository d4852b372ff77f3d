/* A process for listing tests: renames itself (argv[1], may hold spaces and parens), says
 * "ready", then sleeps in nanosleep until killed. */
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc > 1) prctl(PR_SET_NAME, argv[1], 0, 0, 0);
  printf("ready %d\n", (int)getpid());
  fflush(stdout);
  for (;;) sleep(1000);
}
