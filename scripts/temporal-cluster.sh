#!/usr/bin/env bash
# A real Temporal cluster on this machine: PostgreSQL for persistence and SQL visibility (schemas set up by
# Temporal's SQL tool), the frontend, history, matching and worker services as four processes on one config, and
# the Temporal UI server in front.
#   temporal-cluster.sh up DIR [PORT]            starts what is not running (set up on first start); prints
#                                                DIR/cluster.json (addresses; PostgreSQL's password, 0600)
#   temporal-cluster.sh restart DIR [SERVICE...] stops and starts Temporal's services (default: all four)
#   temporal-cluster.sh down DIR                 stops everything, keeping the data
# Ports on 127.0.0.1: PORT (7233) the frontend's gRPC, PORT+1..PORT+3 history, matching and worker gRPC,
# PORT+4..PORT+7 the four services' membership, PORT+8 the frontend's HTTP API, PORT+9 PostgreSQL, PORT+1000 the UI.
# Security, chosen at the first `up` and kept:
#   MEND_CLUSTER_TLS=1     the frontend requires TLS and a client certificate (mTLS) signed by the cluster's own CA
#                          (made in DIR/pki: ca.pem, and mend.pem/mend.key for mend's processes)
#   MEND_CLUSTER_JWKS=URL  it also requires a JWT (an API key) signed by a key from URL, with "<namespace>:<role>"
#                          entries in the claim MEND_CLUSTER_PERMISSIONS_CLAIM (default permissions); Temporal's own
#                          services then call an internal frontend on PORT+10 (membership PORT+11, HTTP PORT+12)
source "$(dirname "$0")/lib.sh"
action=${1:-}
dir=${2:-}
[ -n "$dir" ] && [[ "$action" =~ ^(up|down|restart)$ ]] || die "usage: temporal-cluster.sh up DIR [PORT] | restart DIR [SERVICE...] | down DIR"
mkdir -p "$dir/run" "$dir/logs" && chmod 700 "$dir/logs" && dir=$(cd "$dir" && pwd)
if [ "$action" = up ] && [ ! -s "$dir/port" ]; then
  [ "${MEND_CLUSTER_TLS:-}" != 1 ] || echo 1 >"$dir/tls"
  [ -z "${MEND_CLUSTER_JWKS:-}" ] || printf "%s\n%s\n" "$MEND_CLUSTER_JWKS" "${MEND_CLUSTER_PERMISSIONS_CLAIM:-permissions}" >"$dir/jwks"
fi
services=(history matching frontend worker)
[ ! -s "$dir/jwks" ] || services+=(internal-frontend)

# The pid of a process this script started, while it runs (a pid file left by a reboot may name someone else's:
# the process must name this cluster's folder in its arguments).
pid_of() {
  local pid
  pid=$(cat "$dir/run/$1.pid" 2>/dev/null) && [ -n "$pid" ] || return 1
  case "$(ps -o stat= -p "$pid" 2>/dev/null)" in '' | Z*) return 1 ;; esac
  [[ "$(ps -o args= -p "$pid" 2>/dev/null)" == *"$dir/"* ]] || return 1
  echo "$pid"
}
# stop NAME [SIGNAL]: TERM by default.
stop() {
  local pid
  pid=$(pid_of "$1") || return 0
  kill "-${2:-TERM}" "$pid" 2>/dev/null || return 0
  for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}
# PostgreSQL refuses to run as root: as root, its server and tools run as the postgres account.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ "$action" = down ]; then
  stop ui
  for s in "${services[@]}"; do stop "$s" & done
  wait
  [ ! -d "$dir/postgres" ] || as_pg "$(bash "$MEND_ROOT/scripts/provision/postgres.sh")/pg_ctl" -D "$dir/postgres" -m fast -w stop >/dev/null 2>&1 || true
  exit 0
fi

if [ "$action" = up ] && [ ! -s "$dir/port" ]; then
  [[ "${3:-7233}" =~ ^[0-9]+$ ]] && [ "${3:-7233}" -ge 1024 ] && [ "${3:-7233}" -le 64000 ] || die "PORT must be a number from 1024 to 64000 (the UI takes PORT+1000)"
  echo "${3:-7233}" >"$dir/port"
fi
[ -s "$dir/port" ] || die "no cluster in $dir: run temporal-cluster.sh up $dir first"
port=$(cat "$dir/port")
[ "$action" != up ] || [ -z "${3:-}" ] || [ "$3" = "$port" ] || die "the cluster in $dir runs on port $port, not $3"
address="127.0.0.1:$port" pg_port=$((port + 9)) ui_port=$((port + 1000))
bin=$(bash "$MEND_ROOT/scripts/provision/temporal-cluster.sh")
temporal=$(bash "$MEND_ROOT/scripts/provision/temporal.sh")

grpc_port() { case $1 in frontend) echo "$port" ;; history) echo $((port + 1)) ;; matching) echo $((port + 2)) ;; internal-frontend) echo $((port + 10)) ;; esac; }
# What this script's own calls to the frontend need: TLS flags, and with JWTs the internal frontend (no token).
admin_address=$address
admin_tls=()
[ ! -s "$dir/jwks" ] || admin_address="127.0.0.1:$((port + 10))"
if [ -s "$dir/tls" ] && [ ! -s "$dir/jwks" ]; then
  admin_tls=(--tls-ca-path "$dir/pki/ca.pem" --tls-cert-path "$dir/pki/admin.pem" --tls-key-path "$dir/pki/admin.key" --tls-server-name localhost)
fi
start_service() {
  pid_of "$1" >/dev/null && return
  setsid "$bin/temporal-server" -r "$dir/config" -c . -e development --allow-no-auth start --service="$1" \
    >>"$dir/logs/$1.log" 2>&1 </dev/null &
  echo $! >"$dir/run/$1.pid"
}
# Each service in turn, once the one before listens: on a new database the first one writes the cluster's
# metadata, which services starting at the same moment would race to write (and all but one would exit). The
# worker service (Temporal's own system workflows) comes last: it needs the frontend.
start_services() {
  local s
  for s in history matching frontend internal-frontend worker; do
    [[ " $* " == *" $s "* ]] || continue
    start_service "$s"
    [ "$s" = worker ] && continue # it serves no gRPC
    wait_port 127.0.0.1 "$(grpc_port "$s")" 60 || die "the $s service did not listen on 127.0.0.1:$(grpc_port "$s") (see $dir/logs/$s.log)"
  done
  for _ in $(seq 600); do
    "$temporal" operator cluster health --address "$admin_address" "${admin_tls[@]}" 2>/dev/null | grep -q SERVING && return
    sleep 0.1
  done
  die "the cluster is not healthy on $address (see $dir/logs)"
}

if [ "$action" = restart ]; then
  shift 2
  targets=("$@")
  [ $# -gt 0 ] || targets=("${services[@]}")
  for s in "${targets[@]}"; do [[ " ${services[*]} " == *" $s "* ]] || die "no service $s (one of: ${services[*]})"; done
  for s in "${targets[@]}"; do stop "$s" & done
  wait
  start_services "${targets[@]}"
  exit 0
fi

# PostgreSQL: its own data folder, listening on loopback and a socket in that folder.
pg_bin=$(bash "$MEND_ROOT/scripts/provision/postgres.sh")
pgdata="$dir/postgres"
if [ ! -s "$pgdata/PG_VERSION" ]; then
  mkdir -p "$pgdata"
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$pgdata"
    # Its account must reach the folder (mktemp makes folders only their owner may enter).
    for d in "$dir" "$(dirname "$dir")"; do runuser -u postgres -- test -x "$d" || chmod o+x "$d"; done
  fi
  as_pg "$pg_bin/initdb" -D "$pgdata" -U postgres --auth-local=trust --auth-host=scram-sha-256 --no-locale -E UTF8 \
    >"$dir/logs/initdb.log" 2>&1 || die "initdb failed (see $dir/logs/initdb.log)"
fi
# pg_ctl knows whether this folder's server runs (its postmaster.pid checked against the live process).
if ! as_pg "$pg_bin/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
  touch "$dir/logs/postgres.log" && { [ "$(id -u)" != 0 ] || chown postgres: "$dir/logs" "$dir/logs/postgres.log"; }
  as_pg "$pg_bin/pg_ctl" -D "$pgdata" -l "$dir/logs/postgres.log" -w -t 60 \
    -o "-p $pg_port -k $pgdata -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null \
    || die "PostgreSQL did not start (see $dir/logs/postgres.log)"
fi
psql() { as_pg "$pg_bin/psql" -h "$pgdata" -p "$pg_port" -U postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
for _ in $(seq 300); do psql -c 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.1; done
psql -c 'SELECT 1' >/dev/null || die "PostgreSQL does not answer on port $pg_port (see $dir/logs/postgres.log)"

# Temporal's account and databases (once), then its schemas brought to this server version (idempotent).
[ -s "$dir/postgres-password" ] || (umask 077 && od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$dir/postgres-password")
password=$(cat "$dir/postgres-password")
[ -n "$(psql -c "SELECT 1 FROM pg_roles WHERE rolname = 'temporal'")" ] || psql -c 'CREATE ROLE temporal LOGIN' >/dev/null
# Set at every start (by stdin, not in arguments): the password file is what counts.
echo "ALTER ROLE temporal PASSWORD '$password';" | psql -f - >/dev/null
# (The password by env, not in arguments: those show in ps.)
sql_tool() { SQL_PASSWORD=$password "$bin/temporal-sql-tool" --ep 127.0.0.1 -p "$pg_port" -u temporal --pl postgres12 --db "$@"; }
for db in temporal temporal_visibility; do
  [ -n "$(psql -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ] || psql -c "CREATE DATABASE $db OWNER temporal" >/dev/null
  [ "$db" = temporal ] || psql -d "$db" -c 'CREATE EXTENSION IF NOT EXISTS btree_gin' >/dev/null
  if [ -z "$(psql -d "$db" -c "SELECT 1 FROM pg_tables WHERE tablename = 'schema_version'")" ]; then
    sql_tool "$db" setup-schema -v 0.0 >>"$dir/logs/schema.log" 2>&1 || die "setting up $db failed (see $dir/logs/schema.log)"
  fi
  schema=$([ "$db" = temporal ] && echo temporal || echo visibility)
  sql_tool "$db" update-schema --schema-name "postgresql/v12/$schema" >>"$dir/logs/schema.log" 2>&1 \
    || die "updating $db's schema failed (see $dir/logs/schema.log)"
done

# The cluster's own CA and certificates (once): the frontend's (for 127.0.0.1 and localhost), and client ones for
# Temporal's worker service, this script, the UI and mend's processes.
if [ -s "$dir/tls" ] && [ ! -s "$dir/pki/mend.pem" ]; then
  (
    umask 077 && mkdir -p "$dir/pki" && cd "$dir/pki"
    ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
    openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.pem -days 3650 -subj "/CN=mend cluster CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    # sign NAME USAGE [SAN]: NAME.pem and NAME.key, signed by the CA.
    sign() {
      openssl req -new "${ec[@]}" -keyout "$1.key" -out "$1.csr" -subj "/CN=$1"
      printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=%s\n%s' "$2" "${3:+subjectAltName=$3}" >"$1.ext"
      openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$1.pem" -days 825 -extfile "$1.ext"
      rm -f "$1.csr" "$1.ext"
    }
    sign server serverAuth,clientAuth "IP:127.0.0.1,DNS:localhost"
    for client in system-worker admin ui mend; do sign "$client" clientAuth; done
  ) >>"$dir/logs/pki.log" 2>&1 || die "making the cluster's certificates failed (see $dir/logs/pki.log)"
fi
security=''
if [ -s "$dir/tls" ]; then
  pki="$dir/pki"
  security+="
  tls:
    frontend:
      server: { certFile: '$pki/server.pem', keyFile: '$pki/server.key', requireClientAuth: true, clientCaFiles: ['$pki/ca.pem'] }
      client: { serverName: localhost, rootCaFiles: ['$pki/ca.pem'] }
    systemWorker:
      certFile: '$pki/system-worker.pem'
      keyFile: '$pki/system-worker.key'
      client: { serverName: localhost, rootCaFiles: ['$pki/ca.pem'] }"
fi
public_client="publicClient: { hostPort: '$address' }"
internal_frontend=''
if [ -s "$dir/jwks" ]; then
  { read -r jwks; read -r claim; } <"$dir/jwks"
  security+="
  authorization:
    jwtKeyProvider: { keySourceURIs: ['$jwks'], refreshInterval: 1m }
    permissionsClaimName: $claim
    authorizer: default
    claimMapper: default"
  # Temporal's own services find the internal frontend by membership: no public client then.
  public_client=''
  internal_frontend="  internal-frontend: { rpc: $(echo "{ grpcPort: $((port + 10)), membershipPort: $((port + 11)), bindOnIP: 127.0.0.1, httpPort: $((port + 12)) }") }"
fi

mkdir -p "$dir/config" "$dir/ui"
# One config for the four services; the password stays in files only root (or their owner) reads.
(
  umask 077
  rpc() { echo "{ grpcPort: $1, membershipPort: $2, bindOnIP: 127.0.0.1${3:+, httpPort: $3} }"; }
  store() { echo "{ sql: { pluginName: postgres12, databaseName: $1, connectAddr: '127.0.0.1:$pg_port', connectProtocol: tcp, user: temporal, password: '$password', maxConns: $2, maxIdleConns: $2, maxConnLifetime: 1h } }"; }
  cat >"$dir/config/development.yaml" <<YAML
# Written by scripts/temporal-cluster.sh.
log: { stdout: true, level: warn }
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: 4
  datastores:
    default: $(store temporal 20)
    visibility: $(store temporal_visibility 10)
global:
  membership: { maxJoinDuration: 30s, broadcastAddress: 127.0.0.1 }$security
services:
  frontend: { rpc: $(rpc "$port" $((port + 4)) $((port + 8))) }
  history: { rpc: $(rpc $((port + 1)) $((port + 5))) }
  matching: { rpc: $(rpc $((port + 2)) $((port + 6))) }
  worker: { rpc: $(rpc $((port + 3)) $((port + 7))) }
$internal_frontend
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active: { enabled: true, initialFailoverVersion: 1, rpcName: frontend, rpcAddress: '$address', httpAddress: '127.0.0.1:$((port + 8))' }
dcRedirectionPolicy: { policy: noop }
archival:
  history: { state: disabled, enableRead: false }
  visibility: { state: disabled, enableRead: false }
$public_client
dynamicConfigClient: { filepath: '$dir/config/dynamicconfig.yaml', pollInterval: 10s }
YAML
)
cp "$MEND_ROOT/deploy/temporal/dynamicconfig.yaml" "$dir/config/dynamicconfig.yaml"
start_services "${services[@]}"

if ! "$temporal" operator namespace describe --namespace default --address "$admin_address" "${admin_tls[@]}" >/dev/null 2>&1; then
  "$temporal" operator namespace create --namespace default --retention 72h --address "$admin_address" "${admin_tls[@]}" >/dev/null \
    || die "creating the namespace default failed"
fi
# A new namespace reaches every service's cache within seconds.
for _ in $(seq 300); do "$temporal" workflow list --namespace default --limit 1 --address "$admin_address" "${admin_tls[@]}" >/dev/null 2>&1 && break; sleep 0.2; done

cat >"$dir/ui/development.yaml" <<YAML
# Written by scripts/temporal-cluster.sh.
temporalGrpcAddress: '$address'
host: 127.0.0.1
port: $ui_port
enableUi: true
defaultNamespace: default
cors: { cookieInsecure: true }
YAML
[ ! -s "$dir/tls" ] || cat >>"$dir/ui/development.yaml" <<YAML
tls: { caFile: '$pki/ca.pem', certFile: '$pki/ui.pem', keyFile: '$pki/ui.key', serverName: localhost, enableHostVerification: true }
YAML
if ! pid_of ui >/dev/null; then
  setsid "$bin/temporal-ui-server" -r "$dir/ui" -c . -e development start >>"$dir/logs/ui.log" 2>&1 </dev/null &
  echo $! >"$dir/run/ui.pid"
fi
wait_port 127.0.0.1 "$ui_port" 30 || die "the Temporal UI did not listen on 127.0.0.1:$ui_port (see $dir/logs/ui.log)"

(
  umask 077
  cat >"$dir/cluster.json" <<JSON
{ "address": "$address", "namespace": "default", "ui": "http://127.0.0.1:$ui_port",
  "postgres": { "host": "127.0.0.1", "port": $pg_port, "user": "temporal", "password": "$password" },
  "logs": "$dir/logs"$([ ! -s "$dir/tls" ] || echo ",
  \"tls\": { \"caFile\": \"$pki/ca.pem\", \"certFile\": \"$pki/mend.pem\", \"keyFile\": \"$pki/mend.key\", \"serverName\": \"localhost\" }") }
JSON
)
echo "$dir/cluster.json"
