#!/usr/bin/env bash
# Prints the path of Dex, the OIDC provider the tests and the local stack sign operators in with ($DEX_BIN, else
# built once, about a minute). Dex's go.mod has a replace line, which `go install module@version` refuses, so it is
# built as a tool of a throwaway module that requires it (a dependency's replace lines do not apply there).
source "$(dirname "$0")/../lib.sh"
version=2.45.1
# v2.45.1's commit: the module proxy serves Dex's releases only by pseudo-version.
pseudo=v0.0.0-20260303133905-11d2eeb52b42
if [ -n "${DEX_BIN:-}" ]; then
  [ -x "$DEX_BIN" ] || die "DEX_BIN=$DEX_BIN is not an executable file"
  echo "$DEX_BIN"; exit 0
fi
bin="$MEND_CACHE/dex-$version/dex"
if [ ! -x "$bin" ]; then
  command -v go >/dev/null 2>&1 || die "Go is needed to build Dex v$version (or set DEX_BIN)"
  say "building Dex v$version (once; cached in $MEND_CACHE)"
  work=$(mktemp -d "$MEND_CACHE/dex-build.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  (
    cd "$work" && printf 'module mend-dex-build\n\ngo 1.25.0\n' >go.mod &&
      go get -tool "github.com/dexidp/dex/cmd/dex@$pseudo" &&
      CGO_ENABLED=0 GOBIN="$work/bin" go install -ldflags "-X github.com/dexidp/dex/version.Version=v$version" github.com/dexidp/dex/cmd/dex
  ) >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; die "building Dex failed (see above)"; }
  mkdir -p "$(dirname "$bin")" && mv "$work/bin/dex" "$bin"
fi
echo "$bin"
