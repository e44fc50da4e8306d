#!/usr/bin/env bash
# Prints the directory holding mariadbd, mariadb-install-db, mariadb and mariadb-dump, installing Debian's
# mariadb-server when missing (needs root and apt-get). Its own service is disabled: mend starts its own servers.
source "$(dirname "$0")/../lib.sh"
if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
  apt_install mariadb-server || die "mariadbd is missing. Install it (Debian/Ubuntu: sudo apt-get install mariadb-server)."
  systemctl disable --now mariadb >/dev/null 2>&1 || true
fi
for tool in mariadb-install-db mariadb mariadb-dump; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (Debian: apt-get install mariadb-server mariadb-client)"
done
dirname "$(command -v mariadbd 2>/dev/null || echo /usr/sbin/mariadbd)"
