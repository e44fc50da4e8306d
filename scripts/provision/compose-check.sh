#!/usr/bin/env bash
# Prints the path of compose-check (compose-go's loader, as Docker Compose uses), built once with Go.
source "$(dirname "$0")/../lib.sh"
src="$MEND_ROOT/scripts/compose-check"
bin="$MEND_CACHE/compose-check-$(cat "$src/main.go" "$src/go.mod" "$src/go.sum" | sha256sum | cut -c1-12)"
if [ ! -x "$bin" ]; then
  command -v go >/dev/null 2>&1 || die "Go is needed once to build compose-check (validates docker-compose.yml). Install Go 1.22+."
  say "building compose-check (once)"
  (cd "$src" && go build -o "$bin" .) >&2 || die "building compose-check failed"
fi
echo "$bin"
