#!/usr/bin/env bash
# Prints the path of redis-server, installing Debian's package when missing (needs root and apt-get).
source "$(dirname "$0")/../lib.sh"
if ! command -v redis-server >/dev/null 2>&1; then
  apt_install redis-server \
    || die "redis-server is missing. Install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis)."
  systemctl disable --now redis-server >/dev/null 2>&1 || true
fi
command -v redis-server
