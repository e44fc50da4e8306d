#!/usr/bin/env bash
# Installs node_modules from the lockfile when missing or stale, then compiles TypeScript (incremental).
source "$(dirname "$0")/../lib.sh"
cd "$MEND_ROOT"
command -v node >/dev/null 2>&1 || die "Node.js 20.19+ is required (https://nodejs.org)."
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || die "Node.js 20.19+ is required; this is $(node --version)."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund >&2
fi
npx --no-install tsc -p tsconfig.json >&2 || die "TypeScript compilation failed"
# The workflow bundle of the config's packs, cached by content (~/.cache/mend/bundles): fast when nothing changed.
node dist/workers/bundle.js >/dev/null || die "bundling the workflow code failed"
