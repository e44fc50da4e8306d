#!/usr/bin/env bash
# The whole test suite on real servers (MEND_TESTS=crash: the crash suite only; MEND_TESTS=main: all but it;
# MEND_TEST_TEMPORAL_CLUSTER=1: on a real Temporal cluster instead of the dev server).
# Provisions what it needs (cached), compiles, checks format and lint, runs jest. Extra arguments go to jest, e.g.
# `npm test -- test/guard.test.ts`.
source "$(dirname "$0")/lib.sh"
cd "$MEND_ROOT"
bash scripts/provision/node.sh
# Formatting and lint (import cycles, Node modules in workflow code, patched() outside workflows/patches.ts).
npx --no-install biome ci . >&2 || die 'biome: format with npm run format; lint findings above'
export TEMPORAL_BIN; TEMPORAL_BIN=$(bash scripts/provision/temporal.sh)
export MEND_TEST_SERVER; MEND_TEST_SERVER=$(bash scripts/provision/test-server.sh)
export REDIS_SERVER; REDIS_SERVER=$(bash scripts/provision/redis.sh)
export ALERTMANAGER_BIN; ALERTMANAGER_BIN=$(bash scripts/provision/alertmanager.sh)
export MEND_COMPOSE_CHECK; MEND_COMPOSE_CHECK=$(bash scripts/provision/compose-check.sh)
export PROMTOOL; PROMTOOL=$(bash scripts/provision/promtool.sh)
export PROMETHEUS_BIN; PROMETHEUS_BIN=$(bash scripts/provision/prometheus.sh)
export REDIS_EXPORTER_BIN; REDIS_EXPORTER_BIN=$(bash scripts/provision/redis-exporter.sh)
export MYSQLD_EXPORTER_BIN; MYSQLD_EXPORTER_BIN=$(bash scripts/provision/mysqld-exporter.sh)
export KUBE_STATE_METRICS_BIN; KUBE_STATE_METRICS_BIN=$(bash scripts/provision/kube-state-metrics.sh)
export HELM_BIN; HELM_BIN=$(bash scripts/provision/helm.sh)
export SSHD_BIN; SSHD_BIN=$(bash scripts/provision/sshd.sh)
bash scripts/provision/supervisor.sh >/dev/null
export CHROMIUM_BIN; CHROMIUM_BIN=$(bash scripts/provision/chromium.sh)
export DEX_BIN; DEX_BIN=$(bash scripts/provision/dex.sh)
export TEMPORAL_UI_BIN; TEMPORAL_UI_BIN=$(bash scripts/provision/temporal-ui.sh)
bash scripts/provision/kube-binaries.sh >/dev/null
bash scripts/provision/mariadb.sh >/dev/null
bash scripts/provision/postgres.sh >/dev/null
bash scripts/provision/temporal-cluster.sh >/dev/null
exec npx --no-install jest --ci "$@"
