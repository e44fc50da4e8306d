#!/usr/bin/env bash
# Prints the path of promtool, which the tests use to check and unit-test mend's Prometheus rules and the
# dashboard's queries. From Debian's prometheus package, installed when missing (its service is not ours).
source "$(dirname "$0")/../lib.sh"
if ! command -v promtool >/dev/null 2>&1; then
  apt_install prometheus || die "promtool is missing (Debian/Ubuntu: sudo apt-get install prometheus)"
  systemctl disable --now prometheus prometheus-node-exporter >/dev/null 2>&1 || true
fi
command -v promtool
