#!/usr/bin/env bash
# Prints the path of redis_exporter (Debian's prometheus-redis-exporter, installed when missing; its service is not
# ours), which a real Prometheus scrapes in the tests of PromQL verification.
source "$(dirname "$0")/../lib.sh"
if ! command -v prometheus-redis-exporter >/dev/null 2>&1; then
  apt_install prometheus-redis-exporter || die "redis_exporter is missing (Debian/Ubuntu: sudo apt-get install prometheus-redis-exporter)"
  systemctl disable --now prometheus-redis-exporter >/dev/null 2>&1 || true
fi
command -v prometheus-redis-exporter
