#!/usr/bin/env bash
# Prints the path of helm (the chart's tests): $HELM_BIN, else v4.3.2 built once from its Go module into the cache.
source "$(dirname "$0")/../lib.sh"
go_tool helm 4.3.2 helm.sh/helm/v4/cmd/helm HELM_BIN
