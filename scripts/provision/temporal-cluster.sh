#!/usr/bin/env bash
# Prints the directory holding a real Temporal cluster's binaries, built once with `go install` into the cache:
# temporal-server (frontend, history, matching and worker services), temporal-sql-tool (schemas), and
# temporal-ui-server (the Web UI), at the versions the Temporal CLI v1.5.1 pins (server v1.29.1, UI v2.42.1).
# Set TEMPORAL_CLUSTER_BIN to a directory holding the three to use your own.
source "$(dirname "$0")/../lib.sh"
server_version=1.29.1
ui_version=2.42.1
if [ -n "${TEMPORAL_CLUSTER_BIN:-}" ]; then
  for b in temporal-server temporal-sql-tool temporal-ui-server; do
    [ -x "$TEMPORAL_CLUSTER_BIN/$b" ] || die "TEMPORAL_CLUSTER_BIN=$TEMPORAL_CLUSTER_BIN has no executable $b"
  done
  echo "$TEMPORAL_CLUSTER_BIN"; exit 0
fi
dir="$MEND_CACHE/temporal-cluster-$server_version-ui-$ui_version"
# go_install NAME MODULE_PATH@VERSION: the package's binary (named after its folder) renamed NAME in $dir.
go_install() {
  [ -x "$dir/$1" ] && return
  command -v go >/dev/null 2>&1 || die "Go 1.25+ is needed to build $1 (or set TEMPORAL_CLUSTER_BIN)"
  say "building $1 ($2) with go install (once; cached in $MEND_CACHE)"
  local tmp
  tmp=$(mktemp -d "$MEND_CACHE/go-install.XXXXXX")
  GOBIN="$tmp" go install "$2" >&2 || { rm -rf "$tmp"; die "go install of $2 failed (see above)"; }
  mkdir -p "$dir" && mv "$tmp"/* "$dir/$1" && rmdir "$tmp"
}
go_install temporal-server "go.temporal.io/server/cmd/server@v$server_version"
go_install temporal-sql-tool "go.temporal.io/server/cmd/tools/sql@v$server_version"
go_install temporal-ui-server "github.com/temporalio/ui-server/v2/cmd/server@v$ui_version"
echo "$dir"
