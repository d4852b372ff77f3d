/*
 * Baseline for reads of a file at offset = address (a `mem` node): pread CHUNK bytes at
 * ADDR.. ADDR+SIZE of PATH, PASSES times, with a plain pread loop. Used on /proc/PID/mem (the
 * kernel's own) and on a pdbg mount's PID/mem (the FUSE round trip) by the same code.
 * Usage: preadfile PATH ADDR SIZE CHUNK PASSES
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
#include "trace.h"

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: preadfile PATH ADDR SIZE CHUNK PASSES\n");
		return 2;
	}
	unsigned long addr = strtoul(argv[2], NULL, 0);
	size_t size = strtoul(argv[3], NULL, 0);
	size_t chunk = strtoul(argv[4], NULL, 0);
	long passes = atol(argv[5]);
	unsigned char *buf = malloc(chunk);
	if (!buf)
		die("malloc");
	int fd = open(argv[1], O_RDONLY);
	if (fd < 0)
		die(argv[1]);
	long long ops = 0, bytes = 0;
	long long t0 = now_ns();
	for (long p = 0; p < passes; p++) {
		for (size_t off = 0; off + chunk <= size; off += chunk) {
			ssize_t got = pread(fd, buf, chunk, (off_t)(addr + off));
			if (got != (ssize_t)chunk)
				die("pread");
			ops++;
			bytes += got;
		}
	}
	long long t1 = now_ns();
	report(ops, bytes, t1 - t0);
	return 0;
}
