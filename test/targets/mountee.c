/* pdbg mount's target: ticks every 10 ms and prints `tick N WORD` every 20 ticks, WORD being the
 * global `word`, which the mount tests overwrite through the mount's mem file; sleeping, not
 * spinning, so a test's targets cost no CPU. */
#include <stdio.h>
#include <unistd.h>

volatile unsigned long ticks;
volatile char word[16] = "before";

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("ready %d\n", (int)getpid());
  for (;;) {
    usleep(10000);
    ticks++;
    if (ticks % 20 == 0) printf("tick %lu %s\n", ticks, (const char *)word);
  }
}
