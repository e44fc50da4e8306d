#!/usr/bin/env bash
# Prints the path of promtool, which the tests use to check and unit-test mend's Prometheus rules and the
# dashboard's queries (Debian's prometheus package, installed when missing).
source "$(dirname "$0")/../lib.sh"
deb_tool promtool prometheus
