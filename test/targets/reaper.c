/*
 * `reaper STATUSFILE PROG ARGS…`: runs PROG as its child and writes how it ended to STATUSFILE
 * (`exited 130`, `killed 3`). The fault matrix runs the TUI under it inside tmux: tmux's own
 * pane_dead_status was seen to miss exits on a loaded machine, and a shell's `$?` cannot tell
 * `exit(130)` from death by SIGINT, which is exactly what the matrix needs to know.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: reaper STATUSFILE PROG ARGS...\n");
    return 2;
  }
  pid_t c = fork();
  if (c < 0) return 2;
  if (c == 0) {
    execvp(argv[2], argv + 2);
    _exit(127);
  }
  int st;
  while (waitpid(c, &st, 0) < 0) {
    if (errno != EINTR) return 2;
  }
  FILE *f = fopen(argv[1], "w");
  if (!f) return 2;
  if (WIFSIGNALED(st)) fprintf(f, "killed %d\n", WTERMSIG(st));
  else fprintf(f, "exited %d\n", WEXITSTATUS(st));
  fclose(f);
  return 0;
}
