#!/usr/bin/env bash
# Prints the directory holding PostgreSQL's server binaries (initdb, postgres, pg_ctl, psql), installing Debian's
# postgresql-15 when missing (needs root and apt-get). Its own service is disabled: mend starts its own server.
source "$(dirname "$0")/../lib.sh"
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/postgres" ]; then
  apt_install postgresql-15 || die "PostgreSQL is missing. Install it (Debian/Ubuntu: sudo apt-get install postgresql-15)."
  systemctl disable --now postgresql >/dev/null 2>&1 || true
  bin=/usr/lib/postgresql/15/bin
fi
[ -x "$bin/postgres" ] && [ -x "$bin/initdb" ] || die "no PostgreSQL server binaries in $bin"
echo "$bin"
