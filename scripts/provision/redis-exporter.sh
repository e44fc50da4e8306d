#!/usr/bin/env bash
# Prints the path of redis_exporter (Debian's prometheus-redis-exporter, installed when missing).
source "$(dirname "$0")/../lib.sh"
deb_tool prometheus-redis-exporter prometheus-redis-exporter
