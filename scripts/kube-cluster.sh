#!/usr/bin/env bash
# A local Kubernetes control plane with kwok nodes (kwokctl's binary runtime; no Docker).
#   kube-cluster.sh up NAME [NODES]   starts the cluster (reused when it already runs), prints its kubeconfig
#   kube-cluster.sh stop NAME         stops its processes, keeping its data for the next `up`
#   kube-cluster.sh down NAME         stops and deletes it
# Clusters live in $KWOK_WORKDIR (default $MEND_DATA/kwok, i.e. .mend/kwok); every port is on loopback.
source "$(dirname "$0")/lib.sh"
action=${1:-}
name=${2:-}
[ -n "$name" ] && [[ "$action" =~ ^(up|stop|down)$ ]] || die "usage: kube-cluster.sh up|stop|down NAME [NODES]"
export KWOK_WORKDIR="${KWOK_WORKDIR:-${MEND_DATA:-$MEND_ROOT/.mend}/kwok}"
bins=$(bash "$MEND_ROOT/scripts/provision/kube-binaries.sh")
kwokctl="$bins/kwokctl"
export KWOK_KUBECTL_BINARY="$bins/kubectl" # else kwokctl would look for one on PATH or download it
kubeconfig="$KWOK_WORKDIR/clusters/$name/kubeconfig.yaml"
log="$KWOK_WORKDIR/$name.log"
mkdir -p "$KWOK_WORKDIR"

if [ "$action" != up ]; then
  verb=$([ "$action" = down ] && echo delete || echo stop)
  "$kwokctl" "$verb" cluster --name "$name" >"$log" 2>&1 || die "kwokctl could not $verb cluster $name (see $log)"
  exit 0
fi

nodes=${3:-3}
cluster_config="$KWOK_WORKDIR/clusters/$name/kwok.yaml"
settings=$(sha256sum "$MEND_ROOT/scripts/kwok/kwokctl.yaml" | cut -d' ' -f1)
# A cluster made with other settings (scripts/kwok/kwokctl.yaml) is made again: it is disposable, its settings are not.
if [ -f "$cluster_config" ] && [ "$(cat "$KWOK_WORKDIR/$name.settings" 2>/dev/null)" != "$settings" ]; then
  say "recreating Kubernetes cluster $name: scripts/kwok/kwokctl.yaml changed since it was made"
  "$kwokctl" delete cluster --name "$name" >"$log" 2>&1 || die "kwokctl could not delete cluster $name (see $log)"
fi
if [ -f "$cluster_config" ]; then
  # Known cluster: start its components again (a no-op when they run).
  "$kwokctl" start cluster --name "$name" --wait 60s >"$log" 2>&1 || die "kwokctl could not start cluster $name (see $log)"
else
  say "creating Kubernetes cluster $name (kwok nodes; logs in $KWOK_WORKDIR/clusters/$name/logs)"
  "$kwokctl" create cluster --name "$name" --runtime binary --config "$MEND_ROOT/scripts/kwok/kwokctl.yaml" \
    --etcd-binary="$bins/etcd" --kube-apiserver-binary="$bins/kube-apiserver" \
    --kube-controller-manager-binary="$bins/kube-controller-manager" --kube-scheduler-binary="$bins/kube-scheduler" \
    --kwok-controller-binary="$bins/kwok" --extra-args kube-apiserver=advertise-address=127.0.0.1 \
    --kubeconfig "$KWOK_WORKDIR/$name.admin-kubeconfig" --wait 60s >"$log" 2>&1 \
    || { "$kwokctl" delete cluster --name "$name" >>"$log" 2>&1; die "kwokctl could not create cluster $name (see $log)"; }
  echo "$settings" >"$KWOK_WORKDIR/$name.settings"
fi
"$kwokctl" scale node --name "$name" --replicas "$nodes" >>"$log" 2>&1 || die "kwokctl could not add $nodes nodes (see $log)"
[ -f "$kubeconfig" ] || die "cluster $name has no kubeconfig at $kubeconfig"
echo "$kubeconfig"
