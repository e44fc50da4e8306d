#!/usr/bin/env bash
# Prints the directory holding a Kubernetes control plane for kwokctl's binary runtime: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kubectl (kwokctl's readiness checks use it), kwok and kwokctl. Built once from Go modules into the cache; a warm
# run only checks the files. A cold build takes about 20 minutes on 2 cores.
# Kubernetes 1.30 is the newest line Debian's etcd 3.4 serves.
source "$(dirname "$0")/../lib.sh"
kube=1.30.14
kwok=0.8.0
dir="$MEND_CACHE/kube-$kube-kwok-$kwok"
parts=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok kwokctl)

complete() { for p in "${parts[@]}"; do [ -x "$dir/$p" ] || return 1; done; }
if complete; then echo "$dir"; exit 0; fi
command -v go >/dev/null 2>&1 || die "Go is needed to build the Kubernetes control plane for kwok"
mkdir -p "$dir"
# One build at a time: a second run waits for the first, then finds the binaries done.
exec 9>"$dir.lock"
flock -n 9 || { say "waiting for another build of the Kubernetes binaries to finish"; flock 9; }
if complete; then echo "$dir"; exit 0; fi

if [ ! -x "$dir/etcd" ]; then
  if [ ! -x /usr/bin/etcd ]; then
    apt_install etcd-server || die "could not install Debian's etcd-server (needs root and apt-get)"
    systemctl disable --now etcd >/dev/null 2>&1 || true # the package's own service is not ours
  fi
  ln -sf /usr/bin/etcd "$dir/etcd"
fi

if [ ! -x "$dir/kwok" ] || [ ! -x "$dir/kwokctl" ]; then
  say "building kwok v$kwok with go install"
  GOBIN="$dir" go install "sigs.k8s.io/kwok/cmd/kwok@v$kwok" "sigs.k8s.io/kwok/cmd/kwokctl@v$kwok" >&2 \
    || die "go install of kwok v$kwok failed (see above)"
fi

missing=()
for p in kube-apiserver kube-controller-manager kube-scheduler kubectl; do [ -x "$dir/$p" ] || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  say "building ${missing[*]} v$kube from Go modules (once; about 20 minutes cold on 2 cores, cached in $dir)"
  work="$MEND_CACHE/kube-$kube-src"
  mkdir -p "$work"
  mod="$(go mod download -json "k8s.io/kubernetes@v$kube" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  [ -f "$mod" ] || die "could not download k8s.io/kubernetes@v$kube's go.mod"
  # k8s.io/kubernetes replaces its staging modules with local paths: point each at its published v0 release.
  {
    echo "module mend.local/kube"
    echo "go 1.22.0"
    echo "require k8s.io/kubernetes v$kube"
    grep -E '^\s*k8s\.io/[a-z0-9-]+ => \./staging/' "$mod" | awk -v v="v0.${kube#1.}" '{ print "replace " $1 " => " $1 " " v }'
  } >"$work/go.mod"
  # go mod tidy needs a package that imports every command's dependencies.
  { echo 'package kube'; echo 'import ('; for p in kube-apiserver kube-controller-manager kube-scheduler; do
    printf '\t_ "k8s.io/kubernetes/cmd/%s/app"\n' "$p"; done; printf '\t_ "k8s.io/kubectl/pkg/cmd"\n)\n'; } >"$work/deps.go"
  minor="${kube#1.}" && minor="${minor%%.*}"
  version=k8s.io/component-base/version
  ldflags="-s -w -X $version.gitVersion=v$kube -X $version.gitMajor=1 -X $version.gitMinor=$minor"
  (cd "$work" && GOFLAGS=-mod=mod go mod tidy >&2) || die "resolving k8s.io/kubernetes@v$kube's modules failed (see above)"
  for p in "${missing[@]}"; do
    (cd "$work" && go build -trimpath -ldflags "$ldflags" -o "$dir/$p.tmp" "k8s.io/kubernetes/cmd/$p" >&2) \
      || die "building $p v$kube failed (see above)"
    mv "$dir/$p.tmp" "$dir/$p"
  done
fi
complete || die "the Kubernetes binaries in $dir are incomplete"
echo "$dir"
