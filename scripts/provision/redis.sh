#!/usr/bin/env bash
# Prints the path of redis-server (Debian's package, installed when missing; macOS: brew install redis).
source "$(dirname "$0")/../lib.sh"
deb_tool redis-server redis-server
