#!/usr/bin/env bash
# A local MariaDB topology: one primary and two replicas, GTID replication, semi-sync AFTER_SYNC on the primary.
#   mariadb-cluster.sh up DIR [PORT]   starts it (reused when it runs; set up on first start), prints DIR/topology.json
#                                      (DIR/writer.json names the writer for applications)
#   mariadb-cluster.sh down DIR        stops its servers, keeping their data
# Ports PORT, PORT+1, PORT+2 (default 3307) on 127.0.0.1. Every server starts read-only; only the primary is made
# writable, so a server that restarts never comes back as a second writer. Users (passwords in topology.json, 0600):
# repl (replication), mend (what mend's activities need), app (DML on appdb only).
source "$(dirname "$0")/lib.sh"
action=${1:-}
dir=${2:-}
[ -n "$dir" ] && [[ "$action" =~ ^(up|down)$ ]] || die "usage: mariadb-cluster.sh up|down DIR [PORT]"
mkdir -p "$dir" && dir=$(cd "$dir" && pwd)
bin=$(bash "$MEND_ROOT/scripts/provision/mariadb.sh")
port=${3:-3307}
nodes=(n1 n2 n3)

# The server's pid while it runs (a killed server nobody has reaped yet is a zombie: not running).
pid_of() {
  local pid
  pid=$(cat "$dir/$1.pid" 2>/dev/null) && [ -n "$pid" ] || return 1
  case "$(ps -o stat= -p "$pid" 2>/dev/null)" in '' | Z*) return 1 ;; esac
  echo "$pid"
}
sql() { mariadb --no-defaults -uroot --socket="$dir/$1.sock" -N -B -e "$2"; }

if [ "$action" = down ]; then
  for n in "${nodes[@]}"; do
    pid=$(pid_of "$n") || continue
    kill "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  exit 0
fi

for i in 0 1 2; do
  n=${nodes[i]}
  mkdir -p "$dir/$n.tmp" # a temporary directory of its own: servers sharing /tmp collide on temp table names
  [ -d "$dir/$n/mysql" ] || mariadb-install-db --no-defaults --user=root --datadir="$dir/$n" --tmpdir="$dir/$n.tmp" \
    --auth-root-authentication-method=normal --skip-test-db >"$dir/$n.install.log" 2>&1 \
    || die "mariadb-install-db failed for $n (see $dir/$n.install.log)"
  pid_of "$n" >/dev/null && continue
  "$bin/mariadbd" --no-defaults --user=root --datadir="$dir/$n" --tmpdir="$dir/$n.tmp" --port=$((port + i)) --bind-address=127.0.0.1 \
    --socket="$dir/$n.sock" --pid-file="$dir/$n.pid" --log-error="$dir/$n.err" --server-id=$((i + 1)) \
    --log-bin=mysql-bin --log-slave-updates --binlog-format=ROW --gtid-strict-mode=1 --skip-name-resolve \
    --innodb-buffer-pool-size=32M --slave-net-timeout=4 --read-only=1 --rpl-semi-sync-slave-enabled=ON \
    --max-connections=100 >"$dir/$n.out" 2>&1 &
done
for n in "${nodes[@]}"; do
  for _ in $(seq 200); do sql "$n" 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.05; done
  sql "$n" 'SELECT 1' >/dev/null 2>&1 || die "MariaDB $n did not start (see $dir/$n.err and $dir/$n.out)"
done

topology="$dir/topology.json"
if [ ! -s "$topology" ]; then
  secret() { od -An -N12 -tx1 /dev/urandom | tr -d ' \n'; }
  repl=$(secret) mend=$(secret) app=$(secret)
  # The accounts of deploy/mysql/grants.sql: every test runs mend as that user, so the grants are shown enough.
  sql n1 "SET GLOBAL read_only = 0;
    $(sed 's/@[A-Z_]*_HOST@/127.0.0.1/g' "$MEND_ROOT/deploy/mysql/grants.sql")
    ALTER USER 'repl'@'127.0.0.1' IDENTIFIED BY '$repl';
    ALTER USER 'mend'@'127.0.0.1' IDENTIFIED BY '$mend';
    ALTER USER 'app'@'127.0.0.1' IDENTIFIED BY '$app';" || die "setting up the primary failed"
  for i in 1 2; do
    sql "${nodes[i]}" "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$port, MASTER_USER='repl',
      MASTER_PASSWORD='$repl', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1; START SLAVE;" \
      || die "setting up replica ${nodes[i]} failed"
  done
  # Semi-sync once the replicas are there: before, every commit would wait out the semi-sync timeout.
  sql n1 "SET GLOBAL rpl_semi_sync_master_wait_point = 'AFTER_SYNC'; SET GLOBAL rpl_semi_sync_master_enabled = 1;"
  for _ in $(seq 200); do
    [ "$(sql n1 "SHOW STATUS LIKE 'Rpl_semi_sync_master_clients'" | cut -f2)" = 2 ] && break
    sleep 0.05
  done
  [ "$(sql n1 "SHOW STATUS LIKE 'Rpl_semi_sync_master_clients'" | cut -f2)" = 2 ] || die "the replicas did not connect with semi-sync"
  (umask 077 && cat >"$topology.tmp" <<JSON
{
  "nodes": [
    { "name": "n1", "host": "127.0.0.1", "port": $port, "socket": "$dir/n1.sock", "pidFile": "$dir/n1.pid" },
    { "name": "n2", "host": "127.0.0.1", "port": $((port + 1)), "socket": "$dir/n2.sock", "pidFile": "$dir/n2.pid" },
    { "name": "n3", "host": "127.0.0.1", "port": $((port + 2)), "socket": "$dir/n3.sock", "pidFile": "$dir/n3.pid" }
  ],
  "users": { "repl": "$repl", "mend": "$mend", "app": "$app" }
}
JSON
  ) && mv "$topology.tmp" "$topology"
  # The writer endpoint applications read (mend's mysqlSwitchWriter moves it on failover).
  printf '{"writer":"127.0.0.1:%s","cluster":"default","since":"%s"}\n' "$port" "$(date -u +%FT%TZ)" >"$dir/writer.json"
fi
echo "$topology"
