package main

import (
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

// addCommandGroups registers each command group. One line per group keeps
// merges of parallel work on groups trivial.
func addCommandGroups(root *cobra.Command, g *cli.Globals) {
}
