#!/usr/bin/env bash
# Prints the path of a Prometheus Alertmanager ($ALERTMANAGER_BIN, else built once from its Go module, about a minute).
# v0.28.1 is the newest release whose module builds from source (later ones embed UI assets built by npm).
source "$(dirname "$0")/../lib.sh"
go_tool alertmanager 0.28.1 github.com/prometheus/alertmanager/cmd/alertmanager ALERTMANAGER_BIN
