#!/usr/bin/env bash
# Prints the path of a Prometheus Alertmanager, used by the tests to send real webhook notifications.
# Order: $ALERTMANAGER_BIN, the cached build, else `go install` once into the cache (about a minute).
# v0.28.1 is the newest release whose module builds from source (later ones embed UI assets built by npm).
source "$(dirname "$0")/../lib.sh"
version=0.28.1
if [ -n "${ALERTMANAGER_BIN:-}" ]; then
  [ -x "$ALERTMANAGER_BIN" ] || die "ALERTMANAGER_BIN=$ALERTMANAGER_BIN is not an executable file"
  echo "$ALERTMANAGER_BIN"; exit 0
fi
bin="$MEND_CACHE/alertmanager-$version/alertmanager"
if [ ! -x "$bin" ]; then
  command -v go >/dev/null 2>&1 || die "Go is needed to build Alertmanager for the tests (or set ALERTMANAGER_BIN)"
  say "building Alertmanager v$version with go install (once; cached in $MEND_CACHE)"
  GOBIN="$(dirname "$bin")" go install "github.com/prometheus/alertmanager/cmd/alertmanager@v$version" >&2 \
    || die "go install of Alertmanager failed (see above)"
fi
echo "$bin"
