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
