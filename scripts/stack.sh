#!/usr/bin/env bash
# The local stack: Temporal dev server + Web UI (data kept in $MEND_DATA), Redis, and mend's worker.
# Ctrl-C stops everything. Set TEMPORAL_ADDRESS to use an existing Temporal instead of the dev server.
source "$(dirname "$0")/lib.sh"
cd "$MEND_ROOT"
data="${MEND_DATA:-$MEND_ROOT/.mend}"
mkdir -p "$data/redis" "$data/logs"

bash scripts/provision/node.sh
temporal=$(bash scripts/provision/temporal.sh)
redis_server=$(bash scripts/provision/redis.sh)

pids=()
stop() {
  trap - INT TERM EXIT
  say "stopping"
  for ((i=${#pids[@]}-1; i>=0; i--)); do kill -INT "${pids[i]}" 2>/dev/null || true; wait "${pids[i]}" 2>/dev/null || true; done
  exit 0
}
trap stop INT TERM EXIT

if port_open 127.0.0.1 6379; then
  say "Redis already listens on 127.0.0.1:6379; using it"
else
  "$redis_server" --bind 127.0.0.1 --port 6379 --dir "$data/redis" --appendonly yes --save '' \
    --logfile "$data/logs/redis.log" --daemonize no &
  pids+=($!)
  wait_port 127.0.0.1 6379 10 || die "Redis did not start (see $data/logs/redis.log)"
fi

if [ -z "${TEMPORAL_ADDRESS:-}" ]; then
  port_open 127.0.0.1 7233 && die "something already listens on 127.0.0.1:7233; stop it or set TEMPORAL_ADDRESS to use it"
  "$temporal" server start-dev --ip 127.0.0.1 --port 7233 --ui-port 8233 \
    --db-filename "$data/temporal.db" --namespace default \
    --dynamic-config-value frontend.enableServerVersionCheck=false \
    --log-level warn >"$data/logs/temporal.log" 2>&1 &
  pids+=($!)
  wait_port 127.0.0.1 7233 60 || die "the Temporal dev server did not start (see $data/logs/temporal.log)"
  say "Temporal Web UI: http://localhost:8233 (data: $data/temporal.db)"
fi

node dist/workers/main.js &
pids+=($!)
say "mend is running. Try: npx mend runbooks   ·   Ctrl-C stops the stack"
wait -n "${pids[@]}" || true
die "a stack process exited (logs in $data/logs); stopping the rest"
