/* Calls malloc/free N times between two reads of stdin: a deterministic count of calls for
 * comparing tracers (gdb dprintf and pdbg trace) under an interposing allocator (LD_PRELOAD). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 100;
  printf("ready %d\n", getpid()); fflush(stdout);
  char c; if (read(0, &c, 1) != 1) return 1;
  void *keep[64];
  for (int i = 0; i < n; i++) { keep[i % 64] = malloc(16 + i % 100); free(keep[i % 64]); }
  printf("done\n"); fflush(stdout);
  if (read(0, &c, 1) != 1) return 0;
  return 0;
}
