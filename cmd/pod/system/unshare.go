package system

import (
	"errors"
	"os"
	"os/exec"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/rootless"
)

func newUnshareCommand(g *cli.Globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "unshare [COMMAND [ARG...]]",
		Short: "Run a command (default: your shell) in pod's user and mount namespaces",
		Long: "Runs COMMAND, or $SHELL, as root of the rootless user namespace, in the mount namespace " +
			"where pod's storage is mounted. CONTAINERS_GRAPHROOT and CONTAINERS_RUNROOT name the storage.",
		RunE: func(cmd *cobra.Command, args []string) error {
			if !rootless.IsRootless() {
				return errors.New("please use unshare with rootless: as root there is no user namespace to enter")
			}
			rt, err := g.Open(cmd.Context())
			if err != nil {
				return err
			}
			graph, run := rt.Store().GraphRoot(), rt.Store().RunRoot()
			if err := rt.Close(); err != nil {
				return err
			}
			if len(args) == 0 {
				shell := os.Getenv("SHELL")
				if shell == "" {
					shell = "/bin/sh"
				}
				args = []string{shell}
			}
			path, err := exec.LookPath(args[0])
			if err != nil {
				return errdefs.CommandNotFoundf("%s: command not found", args[0])
			}
			env := append(os.Environ(), "CONTAINERS_GRAPHROOT="+graph, "CONTAINERS_RUNROOT="+run)
			err = unix.Exec(path, args, env)
			return errdefs.CannotInvokef("exec %s: %w", path, err)
		},
	}
	// Everything after the command name belongs to the command.
	cmd.Flags().SetInterspersed(false)
	return cmd
}
