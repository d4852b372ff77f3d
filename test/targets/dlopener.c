/*
 * Loads a library late: prints "ready PID", waits until the file argv[3] exists, then dlopens
 * argv[1] and calls its plugin_fn(i) argv[2] times.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  int n = argc > 2 ? atoi(argv[2]) : 3;
  printf("ready %d\n", getpid());
  while (access(argv[3], F_OK) != 0) usleep(5000);
  void *h = dlopen(argv[1], RTLD_NOW);
  if (!h) {
    printf("dlopen: %s\n", dlerror());
    return 1;
  }
  int (*fn)(int) = (int (*)(int))dlsym(h, "plugin_fn");
  int total = 0;
  for (int i = 0; i < n; i++) total += fn(i);
  printf("total %d\n", total);
  return 0;
}
