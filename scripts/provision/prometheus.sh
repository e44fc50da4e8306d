#!/usr/bin/env bash
# Prints the path of Prometheus (Debian's package, installed with promtool when missing; its service is not ours).
source "$(dirname "$0")/../lib.sh"
bash "$(dirname "$0")/promtool.sh" >/dev/null
command -v prometheus || die "prometheus is missing (Debian/Ubuntu: sudo apt-get install prometheus)"
