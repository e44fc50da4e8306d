#!/usr/bin/env bash
# Prints the path of OpenSSH's sshd (Debian's openssh-server, installed when missing; its service is not ours), which
# the tests run on loopback to check the core pack's commands over SSH.
source "$(dirname "$0")/../lib.sh"
if [ ! -x /usr/sbin/sshd ]; then
  apt_install openssh-server || die "sshd is missing (Debian/Ubuntu: sudo apt-get install openssh-server)"
  systemctl disable --now ssh >/dev/null 2>&1 || true
fi
mkdir -p /run/sshd 2>/dev/null || true
echo /usr/sbin/sshd
