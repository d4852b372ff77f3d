/* For hostile-name tests, run inside `unshare --uts`: sets the UTS hostname to argv[1], byte for
 * byte (sethostname(2) takes any bytes, newlines and ESC included, where hostname(1) refuses
 * them), then execs argv[2] with the arguments after it. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: sethostname-exec NAME PROGRAM [ARG...]\n");
    return 2;
  }
  if (sethostname(argv[1], strlen(argv[1])) != 0) {
    perror("sethostname");
    return 1;
  }
  execv(argv[2], argv + 2);
  perror("execv");
  return 1;
}
