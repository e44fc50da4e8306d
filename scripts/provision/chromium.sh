#!/usr/bin/env bash
# Prints the path of a Chromium for the browser tests (playwright-core drives it): Debian's chromium package,
# installed when missing. `npx playwright install` cannot download browsers here, and is not needed.
source "$(dirname "$0")/../lib.sh"
bin="${CHROMIUM_BIN:-/usr/bin/chromium}"
if [ ! -x "$bin" ]; then
  apt_install chromium || die "Chromium is missing (Debian/Ubuntu: sudo apt-get install chromium), or set CHROMIUM_BIN"
fi
echo "$bin"
