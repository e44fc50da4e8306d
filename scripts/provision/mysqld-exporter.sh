#!/usr/bin/env bash
# Prints the path of mysqld_exporter (Debian's prometheus-mysqld-exporter, installed when missing).
source "$(dirname "$0")/../lib.sh"
deb_tool prometheus-mysqld-exporter prometheus-mysqld-exporter
