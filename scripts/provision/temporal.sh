#!/usr/bin/env bash
# Prints the path of a Temporal CLI (dev server). Order: $TEMPORAL_BIN, `temporal` on PATH, the cached build,
# else builds it once with `go install` into the cache (a few minutes; later runs take milliseconds).
source "$(dirname "$0")/../lib.sh"
version=1.5.1
if [ -n "${TEMPORAL_BIN:-}" ]; then
  [ -x "$TEMPORAL_BIN" ] || die "TEMPORAL_BIN=$TEMPORAL_BIN is not an executable file"
  echo "$TEMPORAL_BIN"; exit 0
fi
if command -v temporal >/dev/null 2>&1; then command -v temporal; exit 0; fi
bin="$MEND_CACHE/temporal-$version/temporal"
if [ ! -x "$bin" ]; then
  command -v go >/dev/null 2>&1 || die "the Temporal CLI is missing and Go is not installed to build it.
Install Go 1.22+ (https://go.dev/doc/install), or put a 'temporal' binary on PATH, or set TEMPORAL_BIN."
  say "building the Temporal CLI v$version with go install (once; cached in $MEND_CACHE)"
  GOBIN="$(dirname "$bin")" go install \
    -ldflags "-X github.com/temporalio/cli/temporalcli.Version=$version" \
    "github.com/temporalio/cli/cmd/temporal@v$version" >&2 || die "go install of the Temporal CLI failed (see above)"
fi
echo "$bin"
