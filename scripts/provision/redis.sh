#!/usr/bin/env bash
# Prints the path of redis-server, installing Debian's package when missing (needs root and apt-get).
source "$(dirname "$0")/../lib.sh"
if command -v redis-server >/dev/null 2>&1; then command -v redis-server; exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  say "installing redis-server from Debian's packages (once)"
  { apt-get install -y --no-install-recommends redis-server || { apt-get update && apt-get install -y --no-install-recommends redis-server; }; } >&2 \
    || die "apt-get could not install redis-server"
  systemctl disable --now redis-server >/dev/null 2>&1 || true
  command -v redis-server; exit 0
fi
die "redis-server is missing. Install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis)."
