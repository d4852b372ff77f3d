#!/usr/bin/env bash
# Installs what pdbg's tests and benchmark need from Debian, only when it is missing:
# gcc (test targets and C baselines), gdb (the oracle), libc6-dbg (libc's separate debug file:
# full symbol names, and what gdb compares with), python3 (a real program the tests debug),
# tmux (TUI tests), util-linux (unshare), procps (ps, the listing oracle), iproute2 (addresses
# inside test jails), openssh-server and openssh-client (the loopback sshd of the chain tests),
# sudo (the sudo hop), fuse3 (fusermount3 for `pdbg mount` as non-root and its tests),
# ltrace (the trace bench's baseline), redis-server and redis-tools (a real threaded service the
# production-safety tests debug while a client keeps talking to it), strace (another tracer holding a
# target, for the tests that pdbg works beside one or refuses it cleanly), nginx-light (a forking
# master whose reload by SIGHUP a script lets through with `handle`).
set -euo pipefail
need=()
command -v gcc     >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v gdb     >/dev/null 2>&1 || need+=(gdb)
command -v objcopy >/dev/null 2>&1 || need+=(binutils)
command -v python3 >/dev/null 2>&1 || need+=(python3)
dpkg-query -W -f='${Status}' libc6-dbg 2>/dev/null | grep -q 'install ok installed' || need+=(libc6-dbg)
command -v tmux    >/dev/null 2>&1 || need+=(tmux)
command -v unshare >/dev/null 2>&1 || need+=(util-linux)
command -v ps      >/dev/null 2>&1 || need+=(procps)
command -v ip      >/dev/null 2>&1 || need+=(iproute2)
[ -x /usr/sbin/sshd ]             || need+=(openssh-server)
command -v ssh     >/dev/null 2>&1 || need+=(openssh-client)
command -v sudo    >/dev/null 2>&1 || need+=(sudo)
command -v fusermount3 >/dev/null 2>&1 || need+=(fuse3)
command -v ltrace  >/dev/null 2>&1 || need+=(ltrace)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || need+=(redis-tools)
command -v strace  >/dev/null 2>&1 || need+=(strace)
[ -x /usr/sbin/nginx ]            || need+=(nginx-light)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "system-deps: missing ${need[*]} and not root; install them with apt-get" >&2
    exit 1
  fi
  echo "system-deps: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
