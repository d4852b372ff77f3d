/*
 * Loads a library late and keeps calling it: prints "ready PID", waits until the file argv[2]
 * exists, dlopens argv[1], prints "loaded", then calls its plugin_fn(i) every millisecond for
 * ever (a library traced with --pending, then released while it still runs).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  setvbuf(stdout, NULL, _IOLBF, 0);
  alarm(300);
  printf("ready %d\n", getpid());
  while (access(argv[2], F_OK) != 0) usleep(5000);
  void *h = dlopen(argv[1], RTLD_NOW);
  if (!h) {
    printf("dlopen: %s\n", dlerror());
    return 1;
  }
  int (*fn)(int) = (int (*)(int))dlsym(h, "plugin_fn");
  printf("loaded\n");
  for (int i = 0;; i++) {
    fn(i);
    usleep(1000);
  }
}
