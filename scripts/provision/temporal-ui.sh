#!/usr/bin/env bash
# Prints the path of the Temporal UI server that signs operators in with OIDC and records who sent a signal
# ("<email> - webui", from v2.44; the UI the Temporal CLI embeds, v2.42, records no one): $TEMPORAL_UI_BIN, else
# built once with `go install` (about 2 minutes).
source "$(dirname "$0")/../lib.sh"
go_tool temporal-ui-server 2.45.1 github.com/temporalio/ui-server/v2/cmd/server TEMPORAL_UI_BIN
