package main

import (
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/autoupdate"
	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/cmd/pod/container"
	"github.com/pod-engine/pod/cmd/pod/generate"
	"github.com/pod-engine/pod/cmd/pod/image"
	"github.com/pod-engine/pod/cmd/pod/kube"
	"github.com/pod-engine/pod/cmd/pod/manifest"
	"github.com/pod-engine/pod/cmd/pod/network"
	"github.com/pod-engine/pod/cmd/pod/pod"
	"github.com/pod-engine/pod/cmd/pod/secret"
	"github.com/pod-engine/pod/cmd/pod/system"
	"github.com/pod-engine/pod/cmd/pod/volume"
)

// addCommandGroups registers each command group. One line per group keeps
// merges of parallel work on groups trivial.
func addCommandGroups(root *cobra.Command, g *cli.Globals) {
	root.AddCommand(image.Commands(g)...)
	root.AddCommand(container.Commands(g)...)
	root.AddCommand(network.Commands(g)...)
	root.AddCommand(volume.Commands(g)...)
	root.AddCommand(system.Group(g)...)
	root.AddCommand(pod.Commands(g)...)
	root.AddCommand(kube.Commands(g)...)
	root.AddCommand(generate.Commands(g)...)
	root.AddCommand(secret.Commands(g)...)
	root.AddCommand(autoupdate.Commands(g)...)
	root.AddCommand(manifest.Commands(g)...)
}
