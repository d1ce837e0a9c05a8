package system

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/rootless"
)

func newUnshareCommand(g *cli.Globals) *cobra.Command {
	var rootlessNetNS bool
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
			var nsPath string
			if rootlessNetNS {
				nsPath, err = rt.RootlessNetNS()
			}
			if cerr := rt.Close(); err == nil {
				err = cerr
			}
			if err != nil {
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
			if nsPath != "" {
				// A namespace is the thread's: this thread joins it and
				// execs, and the command starts in it.
				runtime.LockOSThread()
				if err := joinNetNS(nsPath); err != nil {
					return err
				}
			}
			err = unix.Exec(path, args, env)
			return errdefs.CannotInvokef("exec %s: %w", path, err)
		},
	}
	// Everything after the command name belongs to the command.
	cmd.Flags().SetInterspersed(false)
	cmd.Flags().BoolVar(&rootlessNetNS, "rootless-netns", false, "run the command in the rootless network namespace too, where rootless bridge networks are (it exists while a container runs on one)")
	return cmd
}

// joinNetNS moves the calling thread into the network namespace at path.
func joinNetNS(path string) error {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open network namespace %s: %w", path, err)
	}
	defer unix.Close(fd)
	if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("join network namespace %s: %w", path, err)
	}
	return nil
}
