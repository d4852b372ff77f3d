/* map.test.ts: a process whose mappings are known. Maps a file given as argv[1] (its name may hold
 * spaces), a shared anonymous page and a heap block, prints their addresses, then waits. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int stack_var = 0;
  char *heap = malloc(64);
  void *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  void *file = NULL;
  if (argc > 1) {
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) return 2;
    file = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
  }
  printf("main=%p heap=%p stack=%p shared=%p file=%p\n", (void *)main, (void *)heap, (void *)&stack_var, shared, file);
  fflush(stdout);
  for (;;) pause();
}
