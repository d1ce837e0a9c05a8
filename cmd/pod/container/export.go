package container

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/atomicfile"
)

func newExportCommand(g *cli.Globals) *cobra.Command {
	var output string
	c := &cobra.Command{
		Use:   "export [options] CONTAINER",
		Short: "Export a container's filesystem contents as a tar archive",
		Long: "Write the container's root filesystem (running or not) as an uncompressed tar archive to\n" +
			"standard output, or with --output to a file. A terminal is refused.",
		Example: "pod export -o web.tar web\n  pod export web | tar t",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if output == "" && isTerminal(g.Stdout) {
				return errors.New("refusing to export to terminal. Use -o flag or redirect")
			}
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			if output == "" {
				return rt.Export(ctx, args[0], g.Stdout)
			}
			// A temporary file renamed into place: a failed export leaves
			// no partial archive behind.
			f, err := atomicfile.Create(output, 0o644)
			if err != nil {
				return fmt.Errorf("create %s: %w", output, err)
			}
			defer f.Close()
			if err := rt.Export(ctx, args[0], f); err != nil {
				return err
			}
			if err := f.Commit(); err != nil {
				return fmt.Errorf("write %s: %w", output, err)
			}
			return nil
		},
	}
	c.Flags().StringVarP(&output, "output", "o", "", "write to this file instead of standard output")
	return c
}
