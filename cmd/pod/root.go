package main

import (
	"fmt"
	"os"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/cmd/pod/system"
	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/rootless"
	"github.com/pod-engine/pod/pkg/version"
)

// noEngine marks commands that never touch storage, so they run without
// entering the rootless user namespace.
const noEngine = "pod.no-engine"

// newRootCommand builds the command tree; began is when this process's
// work started, for --timings.
func newRootCommand(g *cli.Globals, began processStart) *cobra.Command {
	var pg podmanGlobals
	root := &cobra.Command{
		Use:           "pod [options] COMMAND",
		Short:         "Manage containers and images without a daemon",
		Long:          "pod runs OCI containers from OCI and Docker images, as root or as a plain user, with no daemon.",
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			lvl, err := logrus.ParseLevel(g.LogLevel)
			if err != nil {
				return fmt.Errorf("invalid --log-level %q: use one of trace, debug, info, warn, error, fatal, panic", g.LogLevel)
			}
			logrus.SetLevel(lvl)
			logrus.SetOutput(os.Stderr)
			// The root's own set: a command's flag of the same name (build --ssh)
			// shadows the global one in cmd.Flags().
			if err := pg.apply(cmd.Root().PersistentFlags(), g); err != nil {
				return err
			}
			if g.Timings || timingsFromEnv() {
				startTimings(cmd, g, began)
			}
			if needsEngine(cmd) {
				// Re-executes pod inside the user namespace when rootless;
				// returns only in the process that should do the work.
				stateDir := func() (string, error) { return engine.StateDir(g.EngineOptions()) }
				if err := rootless.Enter(stateDir, g.Reexecuting); err != nil {
					return err
				}
			}
			return nil
		},
	}
	// --version/-v, as podman's: "pod version X" without touching storage.
	root.Version = version.Version
	root.SetVersionTemplate("{{.Name}} version {{.Version}}\n")
	root.Flags().BoolP("version", "v", false, "print pod's version and exit")
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return cli.FlagError(cmd.CommandPath(), err)
	})

	pf := root.PersistentFlags()
	pf.StringVar(&g.Root, "root", "", "path to the storage root (images, containers, state DB)")
	pf.StringVar(&g.RunRoot, "runroot", "", "path to the run root (mounts, monitor sockets, locks)")
	pf.StringVar(&g.StorageDriver, "storage-driver", "", "storage driver (overlay, vfs, ...)")
	pf.StringArrayVar(&g.StorageOpts, "storage-opt", nil, "storage driver option (repeatable)")
	pf.StringVar(&g.LogLevel, "log-level", "warn", "log messages at or above this level (trace, debug, info, warn, error, fatal, panic)")
	pf.StringVar(&g.Runtime, "runtime", "", "OCI runtime binary or path (default: crun on cgroup v2, else runc)")
	pf.StringVar(&g.CgroupManager, "cgroup-manager", "", "cgroup manager for containers: systemd (transient scopes; the default where systemd runs and its bus is reachable) or cgroupfs (the default elsewhere)")
	pf.BoolVar(&g.Timings, "timings", false, "print where the command's time went, as a table on stderr (also POD_TIMINGS=1)")
	addPodmanGlobals(pf, g, &pg)

	root.AddCommand(system.Commands(g)...)
	addCommandGroups(root, g)
	addCompletions(root, g)

	// The completion command writes a script: no storage, no namespace.
	root.InitDefaultCompletionCmd()
	markNoEngine(root, "help", "completion")
	for _, c := range root.Commands() {
		if c.Name() == "version" {
			c.Annotations = map[string]string{noEngine: "true"}
		}
	}
	return root
}

func markNoEngine(root *cobra.Command, names ...string) {
	root.InitDefaultHelpCmd()
	for _, c := range root.Commands() {
		for _, n := range names {
			if c.Name() == n {
				if c.Annotations == nil {
					c.Annotations = map[string]string{}
				}
				c.Annotations[noEngine] = "true"
			}
		}
	}
}

func needsEngine(cmd *cobra.Command) bool {
	if cmd == cmd.Root() {
		return false
	}
	for c := cmd; c != nil; c = c.Parent() {
		if c.Annotations[noEngine] == "true" {
			return false
		}
	}
	return true
}
