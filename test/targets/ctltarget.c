/* Target for the ctl/mem/regs/note tests.
 *   ctltarget spin   print "ready PID &magic magic &go &big", spin forever; SIGUSR1 prints "usr1 MAGIC"
 *   ctltarget raise  spin until `go` is set (through mem), raise(SIGUSR1), then exit(3)
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

volatile unsigned long magic = 0x1122334455667788UL;
volatile int go = 0;
volatile unsigned long counter = 0;
char big[2 << 20]; /* 2 MiB of bss for mem throughput */

static void on_usr1(int sig) {
  char line[64];
  int n = snprintf(line, sizeof line, "usr1 0x%lx\n", magic);
  (void)sig;
  write(1, line, n);
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "spin";
  signal(SIGUSR1, on_usr1);
  memset(big, 1, sizeof big);
  printf("ready %d %p 0x%lx %p %p\n", getpid(), (void *)&magic, magic, (void *)&go, (void *)big);
  fflush(stdout);
  if (strcmp(mode, "raise") == 0) {
    while (!go) counter++;
    raise(SIGUSR1);
    exit(3);
  }
  for (;;) counter++;
}
