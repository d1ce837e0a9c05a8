// Package image holds the image commands: `pod image VERB` and the
// top-level shortcuts Docker offers for them (pull, push, images, rmi, ...).
package image

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

// verb is one image command. top is its top-level name ("images" for
// "image ls"), empty when Docker has none.
type verb struct {
	top string
	new func(g *cli.Globals) *cobra.Command
	// topOnly keeps the command out of the image group (login, logout).
	topOnly bool
}

// Commands returns the `image` group and the top-level shortcuts.
func Commands(g *cli.Globals) []*cobra.Command {
	group := &cobra.Command{
		Use:   "image",
		Short: "Manage images",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	out := []*cobra.Command{group}
	verbs := append(append(append(registryVerbs(), archiveVerbs()...), buildVerbs()...), mountVerbs()...)
	for _, v := range verbs {
		if !v.topOnly {
			group.AddCommand(v.new(g))
		}
		if v.top != "" {
			c := v.new(g)
			_, rest, _ := strings.Cut(c.Use, " ")
			c.Use = strings.TrimSpace(v.top + " " + rest)
			c.Aliases = nil
			out = append(out, c)
		}
	}
	return out
}
