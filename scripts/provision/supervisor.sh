#!/usr/bin/env bash
# Prints the path of supervisord (Debian's supervisor, installed when missing; its service is not ours): the service
# manager the service-restart tests run a real service under (systemd cannot be PID 1 in this sandbox).
source "$(dirname "$0")/../lib.sh"
if ! command -v supervisord >/dev/null 2>&1; then
  apt_install supervisor || die "supervisord is missing (Debian/Ubuntu: sudo apt-get install supervisor)"
  systemctl disable --now supervisor >/dev/null 2>&1 || true
fi
command -v supervisord
