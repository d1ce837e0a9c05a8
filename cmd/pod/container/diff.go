package container

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

func newDiffCommand(g *cli.Globals) *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "diff [options] CONTAINER",
		Short: "Inspect changes to a container's file system",
		Long: "List the files and directories the container added (A), changed (C) or deleted (D) compared\n" +
			"with its image, one per line, sorted by path.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "" && format != "json" {
				return fmt.Errorf("invalid --format %q: only json is supported", format)
			}
			ctx := cmd.Context()
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			changes, err := rt.Diff(ctx, args[0])
			if err != nil {
				return err
			}
			if format == "json" {
				// podman's shape: paths grouped by kind.
				out := map[string][]string{}
				keys := map[string]string{"A": "added", "C": "changed", "D": "deleted"}
				for _, ch := range changes {
					out[keys[ch.Kind]] = append(out[keys[ch.Kind]], ch.Path)
				}
				return cli.WriteJSON(g.Stdout, out)
			}
			for _, ch := range changes {
				fmt.Fprintf(g.Stdout, "%s %s\n", ch.Kind, ch.Path)
			}
			return nil
		},
	}
	c.Flags().StringVar(&format, "format", "", "'json' for JSON output")
	return c
}
