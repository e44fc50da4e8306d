#!/usr/bin/env bash
# Prints the path of supervisord (Debian's supervisor, installed when missing): the service manager the
# service-restart tests run a real service under (systemd cannot be PID 1 in this sandbox).
source "$(dirname "$0")/../lib.sh"
deb_tool supervisord supervisor
