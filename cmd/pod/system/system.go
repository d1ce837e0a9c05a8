package system

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

// Group returns the `system` command group: `system info` (as the
// top-level info), migrate, reset, prune and df.
func Group(g *cli.Globals) []*cobra.Command {
	group := &cobra.Command{
		Use:   "system",
		Short: "Manage pod itself: disk usage, pruning, reset, migration",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	group.AddCommand(newInfoCommand(g), newMigrateCommand(g), newResetCommand(g), newPruneCommand(g), newDFCommand(g), newServiceCommand(g), newRenumberCommand(g))
	return []*cobra.Command{group}
}

// confirm prints question and reads a yes from in; anything else, or
// nothing (end of input), is a no.
func confirm(out io.Writer, in io.Reader, question string) bool {
	fmt.Fprint(out, question)
	answer, _ := bufio.NewReader(in).ReadString('\n')
	a := strings.ToLower(strings.TrimSpace(answer))
	return a == "y" || a == "yes"
}

func newMigrateCommand(g *cli.Globals) *cobra.Command {
	var newRuntime string
	c := &cobra.Command{
		Use:   "migrate",
		Short: "Apply changed /etc/subuid and /etc/subgid ranges: stop containers, end the pause process; --new-runtime moves containers to another OCI runtime",
		Long: "After a rootless user's ranges in /etc/subuid or /etc/subgid changed, stops every running container " +
			"and ends the pause process that holds the user namespace, so that the next pod command creates a " +
			"new user namespace with the new ranges. As root there is no user namespace and nothing to do.\n" +
			"With --new-runtime, every container runs with that OCI runtime from then on (running ones are stopped\n" +
			"first); containers created later run with the default one.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			r, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer r.Close()
			if cmd.Flags().Changed("new-runtime") {
				stopped, err := r.SetContainersRuntime(ctx, newRuntime)
				for _, name := range stopped {
					fmt.Fprintf(g.Stdout, "stopped %s\n", name)
				}
				if err != nil {
					return err
				}
			}
			if !r.Rootless() {
				if !cmd.Flags().Changed("new-runtime") {
					fmt.Fprintln(g.Stdout, "Nothing to migrate as root: there is no user namespace")
				}
				return nil
			}
			rep, err := r.Migrate(ctx)
			for _, name := range rep.Stopped {
				fmt.Fprintf(g.Stdout, "stopped %s\n", name)
			}
			if err != nil {
				return err
			}
			if rep.PauseEnded {
				fmt.Fprintln(g.Stdout, "Ended the pause process: the next command creates a new user namespace")
			}
			return nil
		},
	}
	c.Flags().StringVar(&newRuntime, "new-runtime", "", "run every container with this OCI runtime (a name on $PATH or a path) from now on, whatever --runtime a later command names; running ones are stopped first")
	return c
}

func newResetCommand(g *cli.Globals) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "reset [options]",
		Short: "Remove every container, image, volume and network, and the storage",
		Long: "Stops and removes every container, removes every volume, network and image, then deletes the " +
			"storage (graph root), the state DB and the run root's contents; for a rootless user it also ends " +
			"the pause process. Asks first unless -f.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			r, err := g.Open(ctx)
			if err != nil {
				return err
			}
			defer r.Close()
			if !force {
				graph, run := r.Roots()
				q := fmt.Sprintf("WARNING! This will remove all containers, pods, images, volumes and networks, and delete:\n"+
					"\t- the graphRoot directory: %q\n\t- the runRoot directory: %q\n"+
					"Are you sure you want to continue? [y/N] ", graph, run)
				if !confirm(g.Stdout, g.Stdin, q) {
					return nil
				}
			}
			_, err = r.Reset(ctx)
			return err
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "do not ask for confirmation")
	return cmd
}
