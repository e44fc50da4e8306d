#!/usr/bin/env bash
# The local stack: Temporal dev server + Web UI (data kept in $MEND_DATA), Redis, a Kubernetes cluster with kwok
# nodes, a MariaDB primary with two replicas, the shop (examples/shop) on them, mend's worker and its alert gateway,
# and the detection chain: exporters, kube-state-metrics, Prometheus with mend's alert rules, Alertmanager → gateway.
# Ctrl-C stops everything. Set TEMPORAL_ADDRESS to use an existing Temporal instead of the dev server.
# Operators sign in at a local Dex (demo users alice, bob, carol, mallory; password "<name>-pass"): to the Temporal
# UI, which records who sent a signal, and with `mend login` for the CLI.
# Ports: MEND_TEMPORAL_PORT (7233), MEND_UI_PORT (8233), MEND_DEX_PORT (5556), MEND_REDIS_PORT (6379),
# MEND_MYSQL_PORT (3307, and the next two), MEND_SHOP_PORT (8088), MEND_GATEWAY_PORT (9470), MEND_MONITORING_PORT
# (9090 Prometheus, 9091 Alertmanager, the next ones the exporters).
# Secrets: the gateway's MEND_GATEWAY_TOKEN, the shop's admin SHOP_ADMIN_TOKEN and the key decisions are signed with
# (MEND_APPROVAL_KEY), else each generated once into $MEND_DATA (gateway-token, shop-admin-token, approval-key).
source "$(dirname "$0")/lib.sh"
[ "${BASH_VERSINFO[0]}" -gt 5 ] || { [ "${BASH_VERSINFO[0]}" -eq 5 ] && [ "${BASH_VERSINFO[1]}" -ge 1 ]; } \
  || die "bash 5.1+ is needed (this is $BASH_VERSION); on macOS: brew install bash"
cd "$MEND_ROOT"
# mend.yaml plus the stack's shop, the endpoints its runbooks call and the targets drills may break.
export MEND_CONFIG="${MEND_CONFIG:-$MEND_ROOT/config/stack.yaml}"
data="${MEND_DATA:-$MEND_ROOT/.mend}"
temporal_port="${MEND_TEMPORAL_PORT:-7233}"
ui_port="${MEND_UI_PORT:-8233}"
export MEND_DEX_PORT="${MEND_DEX_PORT:-5556}"
redis_port="${MEND_REDIS_PORT:-6379}"
mysql_port="${MEND_MYSQL_PORT:-3307}"
shop_port="${MEND_SHOP_PORT:-8088}"
export MEND_MONITORING_PORT="${MEND_MONITORING_PORT:-9090}"
export MEND_GATEWAY_PORT="${MEND_GATEWAY_PORT:-9470}"
export MEND_REDIS_URL="${MEND_REDIS_URL:-redis://127.0.0.1:$redis_port}"
mkdir -p "$data/redis" "$data/logs"

bash scripts/provision/node.sh
temporal=$(bash scripts/provision/temporal.sh)
redis_server=$(bash scripts/provision/redis.sh)
supervisord=$(bash scripts/provision/supervisor.sh)

pids=()
cluster_up=
mysql_up=
shutdown() {
  trap - INT TERM
  say "stopping"
  # mend first (newest first), so that no running incident sees its targets go away.
  # SIGINT, as Ctrl-C; SIGTERM for a program that keeps ignoring it (a background job starts with SIGINT ignored,
  # and the Temporal UI server does not take it back).
  local pid
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    pid=${pids[i]}
    kill -INT "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  [ -z "$cluster_up" ] || KWOK_WORKDIR="$data/kwok" bash scripts/kube-cluster.sh stop mend || true
  [ -z "$mysql_up" ] || bash scripts/mariadb-cluster.sh down "$data/mariadb" || true
}
trap 'shutdown; exit 0' INT TERM

# A secret generated once into $data/NAME (mode 0600), printed.
secret_in() {
  [ -s "$data/$1" ] || (umask 077 && od -An -N24 -tx1 /dev/urandom | tr -d ' \n' >"$data/$1")
  cat "$data/$1"
}

if port_open 127.0.0.1 "$redis_port"; then
  say "Redis already listens on 127.0.0.1:$redis_port; using it"
else
  "$redis_server" --bind 127.0.0.1 --port "$redis_port" --dir "$data/redis" --appendonly yes --save '' \
    --maxmemory 64mb --maxmemory-policy noeviction --logfile "$data/logs/redis.log" &
  pids+=($!)
  wait_port 127.0.0.1 "$redis_port" 10 || { shutdown; die "Redis did not start (see $data/logs/redis.log)"; }
fi

if [ -z "${TEMPORAL_ADDRESS:-}" ]; then
  if port_open 127.0.0.1 "$temporal_port"; then
    shutdown; die "something already listens on 127.0.0.1:$temporal_port; stop it, set MEND_TEMPORAL_PORT, or set TEMPORAL_ADDRESS to use it"
  fi
  "$temporal" server start-dev --ip 127.0.0.1 --port "$temporal_port" --headless \
    --db-filename "$data/temporal.db" --namespace default \
    --dynamic-config-value frontend.enableServerVersionCheck=false \
    --dynamic-config-value system.enableEagerWorkflowStart=true \
    --dynamic-config-value system.enableActivityEagerExecution=true \
    --log-level warn >"$data/logs/temporal.log" 2>&1 &
  pids+=($!)
  wait_port 127.0.0.1 "$temporal_port" 60 || { shutdown; die "the Temporal dev server did not start (see $data/logs/temporal.log)"; }
  export TEMPORAL_ADDRESS="127.0.0.1:$temporal_port"
fi

# Sign-in: Dex, and the Temporal UI server signing users in through it (the dev server's own UI records no one).
for port in "$MEND_DEX_PORT" "$ui_port"; do
  ! port_open 127.0.0.1 "$port" || { shutdown; die "something already listens on 127.0.0.1:$port; stop it, or set MEND_DEX_PORT / MEND_UI_PORT"; }
done
MEND_UI_CLIENT_SECRET=$(secret_in temporal-ui-client-secret) node dist/stack/sign-in.js "$data" "$MEND_DEX_PORT" "$ui_port" "$TEMPORAL_ADDRESS" \
  || { shutdown; die "writing the sign-in configs failed"; }
"$(bash scripts/provision/dex.sh)" serve "$data/dex.yaml" >"$data/logs/dex.log" 2>&1 &
pids+=($!)
# The UI server reads Dex's discovery document as it starts.
wait_port 127.0.0.1 "$MEND_DEX_PORT" 30 || { shutdown; die "Dex did not start (see $data/logs/dex.log)"; }
"$(bash scripts/provision/temporal-ui.sh)" --root "$data/ui" --config config --env development start >"$data/logs/ui.log" 2>&1 &
pids+=($!)
wait_port 127.0.0.1 "$ui_port" 30 || { shutdown; die "the Temporal UI did not start (see $data/logs/ui.log)"; }
say "Temporal Web UI: http://127.0.0.1:$ui_port (sign in as alice or bob, password <name>-pass)"
if [ -z "${MEND_APPROVAL_KEY:-}" ]; then
  MEND_APPROVAL_KEY=$(secret_in approval-key)
  export MEND_APPROVAL_KEY
fi

MEND_KUBECONFIG=$(KWOK_WORKDIR="$data/kwok" bash scripts/kube-cluster.sh up mend 3) \
  || { shutdown; die "the local Kubernetes cluster did not start (see $data/kwok/mend.log)"; }
export MEND_KUBECONFIG
cluster_up=1
sed "s#@SHOP_URL@#http://127.0.0.1:$shop_port#g" examples/shop/kubernetes/web.yaml \
  | "$(bash scripts/provision/kube-binaries.sh)/kubectl" --kubeconfig "$MEND_KUBECONFIG" apply -f - \
  >"$data/logs/kubectl.log" 2>&1 || { shutdown; die "the shop's deployment did not apply (see $data/logs/kubectl.log)"; }
say "Kubernetes with 3 kwok nodes: KUBECONFIG=$MEND_KUBECONFIG (cluster \"default\" in mend's config)"

mysql_up=1
topology=$(bash scripts/mariadb-cluster.sh up "$data/mariadb" "$mysql_port") \
  || { shutdown; die "the local MariaDB topology did not start (see $data/mariadb/*.err)"; }
# mend's passwords for the topology, by the env var names config/mend.yaml gives.
MEND_MYSQL_PASSWORD=$(node -p 'require(process.argv[1]).users.mend' "$topology")
MEND_MYSQL_REPL_PASSWORD=$(node -p 'require(process.argv[1]).users.repl' "$topology")
export MEND_MYSQL_PASSWORD MEND_MYSQL_REPL_PASSWORD
export MEND_MYSQL_NODES="127.0.0.1:$mysql_port,127.0.0.1:$((mysql_port + 1)),127.0.0.1:$((mysql_port + 2))"
export MEND_MYSQL_WRITER_FILE="$data/mariadb/writer.json" MEND_MYSQL_BACKUP_DIR="$data/backups"
say "MariaDB primary and two replicas: $MEND_MYSQL_NODES (cluster \"default\"; writer endpoint $data/mariadb/writer.json)"

# A restarted server comes back read-only: the writer the endpoint names takes writes again (semi-sync on), as at
# the first start; the shop's schema and the accounts of deploy/mysql/grants.sql go to it (the exporter's password
# is generated once).
writer_socket=$(node -e 'const t = require(process.argv[1]); const { writer } = require(process.argv[2]);
  console.log(t.nodes.find((n) => `${n.host}:${n.port}` === writer).socket)' "$topology" "$MEND_MYSQL_WRITER_FILE") \
  || { shutdown; die "the writer endpoint $MEND_MYSQL_WRITER_FILE names no server of the topology"; }
exporter_password=$(secret_in mysqld-exporter-password)
# (By stdin: a password in arguments would show in ps.)
{ echo "SET GLOBAL rpl_semi_sync_master_wait_point = 'AFTER_SYNC', GLOBAL rpl_semi_sync_master_enabled = 1, GLOBAL read_only = 0;"
  sed 's/@[A-Z_]*_HOST@/127.0.0.1/g' deploy/mysql/grants.sql
  echo "ALTER USER 'exporter'@'127.0.0.1' IDENTIFIED BY '$exporter_password';"
  cat examples/shop/schema.sql; } | mariadb --no-defaults -uroot --socket="$writer_socket" \
  || { shutdown; die "the shop's schema or mend's grants did not apply on the writer"; }
shop_token_note="SHOP_ADMIN_TOKEN"
if [ -z "${SHOP_ADMIN_TOKEN:-}" ]; then
  SHOP_ADMIN_TOKEN=$(secret_in shop-admin-token)
  shop_token_note="$data/shop-admin-token"
fi
export SHOP_ADMIN_TOKEN # the shop's, and mend's for its admin endpoint (core.http tokenEnv)
# The shop runs under supervisord, which does not restart it by itself: after a crash, mend's service-restart does
# (the drill shop-process-crashed). Its env is supervisord's: no secret is written into the program's config.
# Its cache is filled by its warmer, at start and hourly (SHOP_CACHE_TTL_SECONDS / 2): a flush stays visible until fixed.
supervisor_conf="$data/supervisor/supervisord.conf"
mkdir -p "$data/supervisor"
cat >"$supervisor_conf" <<CONF
[unix_http_server]
file=$data/supervisor/supervisor.sock
chmod=0700
[supervisord]
nodaemon=true
silent=true
logfile=$data/logs/supervisord.log
pidfile=$data/supervisor/supervisord.pid
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[supervisorctl]
serverurl=unix://$data/supervisor/supervisor.sock
[program:shop]
command=$(command -v node) dist/examples/shop/app/server.js
directory=$MEND_ROOT
autorestart=false
startsecs=1
stopsignal=INT
stdout_logfile=$data/logs/shop.log
redirect_stderr=true
CONF
SHOP_PORT=$shop_port SHOP_CACHE_FILL=warmer SHOP_CACHE_TTL_SECONDS=7200 SHOP_REDIS_URL=$MEND_REDIS_URL SHOP_WRITER_FILE=$MEND_MYSQL_WRITER_FILE \
  SHOP_DB_PASSWORD=$(node -p 'require(process.argv[1]).users.app' "$topology") "$supervisord" -c "$supervisor_conf" &
pids+=($!)
# mend's worker and gateway run with the stack's config plus what this data folder holds: the shop's manager.
node dist/stack/local-config.js "$MEND_CONFIG" "$supervisor_conf" >"$data/stack.yaml"
export MEND_CONFIG="$data/stack.yaml"
wait_port 127.0.0.1 "$shop_port" 30 || { shutdown; die "the shop did not start (see $data/logs/shop.log and supervisord.log)"; }
say "shop ready on http://127.0.0.1:$shop_port/products/1 (admin token: $shop_token_note; load: node dist/examples/shop/app/load.js --url http://127.0.0.1:$shop_port; logs: $data/logs/shop.log)"

node dist/workers/main.js &
pids+=($!)

token_note="MEND_GATEWAY_TOKEN"
if [ -z "${MEND_GATEWAY_TOKEN:-}" ]; then
  MEND_GATEWAY_TOKEN=$(secret_in gateway-token)
  export MEND_GATEWAY_TOKEN
  token_note="$data/gateway-token"
fi
node dist/gateway/main.js &
pids+=($!)
say "alert gateway: http://127.0.0.1:$MEND_GATEWAY_PORT/alerts (bearer token: $token_note)"

# Alerts start once the shop's pods run: a rollout still under way would read as a deployment missing replicas.
"$(bash scripts/provision/kube-binaries.sh)/kubectl" --kubeconfig "$MEND_KUBECONFIG" -n shop rollout status deployment/web \
  --timeout=180s >>"$data/logs/kubectl.log" 2>&1 || say "the shop's deployment is not rolled out yet (see $data/logs/kubectl.log)"
MEND_MONITORING_DIR="$data/monitoring" MEND_SHOP_URL="http://127.0.0.1:$shop_port" MEND_MYSQL_EXPORTER_PASSWORD=$exporter_password \
  MYSQLD_EXPORTER_BIN=$(bash scripts/provision/mysqld-exporter.sh) REDIS_EXPORTER_BIN=$(bash scripts/provision/redis-exporter.sh) \
  KUBE_STATE_METRICS_BIN=$(bash scripts/provision/kube-state-metrics.sh) ALERTMANAGER_BIN=$(bash scripts/provision/alertmanager.sh) \
  PROMETHEUS_BIN=$(bash scripts/provision/prometheus.sh) node dist/stack/monitoring.js &
pids+=($!)
say "mend is running. Try: MEND_CONFIG=$data/stack.yaml npm run mend -- login (then approve, reject, ...)   ·   Ctrl-C stops the stack"
set +e
wait -n "${pids[@]}"
code=$?
say "a stack process exited with code $code (logs in $data/logs); stopping the rest"
shutdown
exit 1
