/* A straight-line loop: counts forever, printing each 100 ms tick. */
#include <stdio.h>
#include <unistd.h>

volatile unsigned long counter;

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("ready %d\n", getpid());
  for (;;) {
    counter++;
    if (counter % 20000000 == 0) printf("tick %lu\n", counter);
  }
}
