/*
 * Baseline for `mem` read throughput: read SIZE bytes at ADDR of PID in chunks of CHUNK bytes,
 * PASSES times, with process_vm_readv (`vm`) or pread on /proc/PID/mem (`pread`).
 * The target is not stopped: neither call needs it, and pdbg's mem node does not either.
 * The destination is ordinary malloc'd memory, like a Node Buffer; with `huge` it is 2 MiB-aligned
 * and madvise(MADV_HUGEPAGE)d instead, which on the bench's VM makes 1 MiB reads 2-4x faster
 * (the kernel's copy into 4 KiB pages is the cost): reported for information, not a goal.
 * Usage: memread PID ADDR SIZE CHUNK vm|pread PASSES [huge]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include "trace.h"

int main(int argc, char **argv)
{
	if (argc != 7 && argc != 8) {
		fprintf(stderr, "usage: memread PID ADDR SIZE CHUNK vm|pread PASSES [huge]\n");
		return 2;
	}
	pid_t pid = atoi(argv[1]);
	unsigned long addr = strtoul(argv[2], NULL, 0);
	size_t size = strtoul(argv[3], NULL, 0);
	size_t chunk = strtoul(argv[4], NULL, 0);
	int use_vm = strcmp(argv[5], "vm") == 0;
	long passes = atol(argv[6]);
	int use_huge = argc == 8 && strcmp(argv[7], "huge") == 0;
	size_t huge = (size_t)2 << 20;
	size_t room = use_huge && chunk < huge ? huge : chunk;
	unsigned char *buf = NULL;
	char path[64];
	int fd = -1;

	if (use_huge) {
		if (posix_memalign((void **)&buf, huge, room) != 0)
			die("posix_memalign");
		madvise(buf, room, MADV_HUGEPAGE);
	} else {
		buf = malloc(room);
		if (!buf)
			die("malloc");
	}
	memset(buf, 0, room);
	if (!use_vm) {
		snprintf(path, sizeof path, "/proc/%d/mem", pid);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			die(path);
	}

	long long ops = 0, bytes = 0;
	long long t0 = now_ns();
	for (long p = 0; p < passes; p++) {
		for (size_t off = 0; off < size; off += chunk) {
			ssize_t got;
			if (use_vm) {
				struct iovec local = { buf, chunk };
				struct iovec remote = { (void *)(addr + off), chunk };
				got = process_vm_readv(pid, &local, 1, &remote, 1, 0);
			} else {
				got = pread(fd, buf, chunk, (off_t)(addr + off));
			}
			if (got != (ssize_t)chunk)
				die(use_vm ? "process_vm_readv" : "pread");
			ops++;
			bytes += got;
		}
	}
	long long t1 = now_ns();
	report(ops, bytes, t1 - t0);
	return 0;
}
