/* remote.test.ts: a process holding a 64 MiB buffer whose every 32-bit word is its own index, so
 * a read of any piece of it says where it came from. Prints the buffer's address, then waits. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#define WORDS (16u << 20)

int main(void) {
  uint32_t *buf = mmap(NULL, WORDS * 4ul, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (buf == MAP_FAILED) return 2;
  for (uint32_t i = 0; i < WORDS; i++) buf[i] = i;
  printf("buf=%p\n", (void *)buf);
  fflush(stdout);
  for (;;) pause();
}
