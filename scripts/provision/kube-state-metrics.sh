#!/usr/bin/env bash
# Prints the path of kube-state-metrics ($KUBE_STATE_METRICS_BIN, else built once from its Go module, about 3
# minutes), which turns the local cluster's objects into the series mend's Kubernetes alert rules read.
source "$(dirname "$0")/../lib.sh"
go_tool kube-state-metrics 2.20.0 k8s.io/kube-state-metrics/v2 KUBE_STATE_METRICS_BIN
