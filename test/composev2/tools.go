//go:build tools

// Package tools pins the docker compose v2 CLI plugin that the e2e test
// TestAPIComposeV2 builds (go build github.com/docker/compose/v5/cmd from
// this directory) and runs against pod's API service. It is a module of
// its own so that compose's dependencies stay out of pod's go.mod.
package tools

import _ "github.com/docker/compose/v5/cmd"
