# Shared shell helpers for mend's scripts. Source it; do not run it.
set -euo pipefail
MEND_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MEND_CACHE="${MEND_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mend}"
mkdir -p "$MEND_CACHE"

say() { printf '\033[1m[mend]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[mend] error:\033[0m %s\n' "$*" >&2; exit 1; }

# wait_port HOST PORT SECONDS: true once something listens there.
wait_port() {
  local host=$1 port=$2 deadline=$((SECONDS + $3))
  until (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; do
    [ "$SECONDS" -ge "$deadline" ] && return 1
    sleep 0.1
  done
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# apt_install PKG: installs one of Debian's packages (root only), refreshing the index if it is stale.
apt_install() {
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || return 1
  say "installing $1 from Debian's packages (once)"
  { apt-get install -y --no-install-recommends "$1" || { apt-get update && apt-get install -y --no-install-recommends "$1"; }; } >&2
}

# go_tool NAME VERSION MODULE_PATH OVERRIDE_VAR: prints the path of a Go tool, $OVERRIDE_VAR when set, else the
# cached build, else `go install`s MODULE_PATH@vVERSION once into $MEND_CACHE/NAME-VERSION (its binary named NAME).
go_tool() {
  local name=$1 version=$2 module=$3 override=${!4:-}
  if [ -n "$override" ]; then
    [ -x "$override" ] || die "$4=$override is not an executable file"
    echo "$override"; return
  fi
  local bin="$MEND_CACHE/$name-$version/$name"
  if [ ! -x "$bin" ]; then
    command -v go >/dev/null 2>&1 || die "Go is needed to build $name v$version (or set $4)"
    say "building $name v$version with go install (once; cached in $MEND_CACHE)"
    GOBIN="$(dirname "$bin")" go install "$module@v$version" >&2 || die "go install of $name failed (see above)"
    # go names the binary after the package's folder (a major version suffix aside).
    local built=$module
    [[ $built =~ /v[0-9]+$ ]] && built=${built%/*}
    built="$(dirname "$bin")/${built##*/}"
    [ "$built" = "$bin" ] || mv "$built" "$bin"
  fi
  echo "$bin"
}

# deb_tool COMMAND PACKAGE: prints the path of a command from one of Debian's packages, installed when missing (its
# service, if any, is not ours: disabled).
deb_tool() {
  if ! command -v "$1" >/dev/null 2>&1; then
    apt_install "$2" || die "$1 is missing (Debian/Ubuntu: sudo apt-get install $2)"
    systemctl disable --now "$2" >/dev/null 2>&1 || true
  fi
  command -v "$1"
}
