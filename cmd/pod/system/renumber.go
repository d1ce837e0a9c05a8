package system

import (
	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

func newRenumberCommand(g *cli.Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "renumber",
		Short: "Release the locks of removed containers and pods",
		Long: "podman's renumber hands out its fixed set of numbered locks afresh. pod has no numbered locks: every\n" +
			"container and pod has a lock file named by its ID (RUNROOT/pod/locks), kept while the object exists.\n" +
			"renumber removes the lock files of containers and pods that were removed and that nobody holds. It\n" +
			"prints nothing, as podman's; --log-level=info says how many were removed.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			n, err := rt.Renumber(ctx)
			if err != nil {
				return err
			}
			logrus.Infof("renumber: removed %d lock files of removed containers and pods", n)
			return nil
		},
	}
}
