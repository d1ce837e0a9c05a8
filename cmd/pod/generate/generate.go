// Package generate holds the `pod generate KIND` commands.
package generate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/cmd/pod/container"
	"github.com/pod-engine/pod/cmd/pod/kube"
	"github.com/pod-engine/pod/cmd/pod/pod"
	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/systemdgen"
	"github.com/pod-engine/pod/pkg/version"
)

// Commands returns the `generate` group.
func Commands(g *cli.Globals) []*cobra.Command {
	group := &cobra.Command{
		Use:   "generate",
		Short: "Generate systemd units and Kubernetes YAML from containers and pods",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	group.AddCommand(newSystemdCommand(g), kube.GenerateCommand(g))
	return []*cobra.Command{group}
}

type systemdFlags struct {
	opts         systemdgen.Options
	files        bool
	format       string
	restartSec   uint
	startTimeout uint
	stopTimeout  uint
}

func newSystemdCommand(g *cli.Globals) *cobra.Command {
	var f systemdFlags
	c := &cobra.Command{
		Use:   "systemd [options] CONTAINER|POD",
		Short: "Generate systemd units that run a container or a pod",
		Long: "Print a systemd service unit that starts and stops an existing container (its monitor is\n" +
			"the service's main process, read from a PID file), or with --new one that creates the\n" +
			"container when the service starts, from the command line that created it, and removes it\n" +
			"when the service stops (Type=notify: the monitor reports READY=1 once the container runs).\n" +
			"A pod gets a unit of its own, which starts its infra container, and one unit per other\n" +
			"container, bound to the pod's (BindsTo=, After=); with --new the pod's unit creates the pod.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSystemd(cmd, g, &f, args[0])
		},
	}
	fs := c.Flags()
	o := &f.opts
	fs.BoolVar(&o.New, "new", false, "create the container on start and remove it on stop, instead of starting an existing one")
	fs.BoolVarP(&o.UseName, "name", "n", false, "name the unit and its commands by the container's name instead of its ID")
	fs.BoolVarP(&f.files, "files", "f", false, "write the unit to a file in the current directory and print its path")
	fs.StringVar(&o.RestartPolicy, "restart-policy", "", "systemd Restart= policy: no, on-success, on-failure, on-abnormal, on-watchdog, on-abort or always (default: on-failure, or always for a container created with --restart always|unless-stopped)")
	fs.UintVar(&f.restartSec, "restart-sec", 0, "seconds systemd waits before restarting the service (RestartSec=)")
	fs.UintVar(&f.startTimeout, "start-timeout", 0, "seconds systemd waits for the service to start (TimeoutStartSec=; default: systemd's)")
	fs.UintVarP(&f.stopTimeout, "stop-timeout", "t", 0, "seconds the stop command waits before SIGKILL (default: the container's --stop-timeout)")
	fs.StringVar(&o.ContainerPrefix, "container-prefix", "container", "prefix of the unit's name")
	fs.StringVar(&o.Separator, "separator", "-", "separator between the prefix and the container's name or ID")
	fs.StringArrayVar(&o.After, "after", nil, "add to the unit's After= (repeatable)")
	fs.StringArrayVar(&o.Wants, "wants", nil, "add to the unit's Wants= (repeatable)")
	fs.StringArrayVar(&o.Requires, "requires", nil, "add to the unit's Requires= (repeatable)")
	fs.StringArrayVarP(&o.Env, "env", "e", nil, "set an environment variable of the service: KEY=VALUE, or KEY to take pod's own (repeatable)")
	fs.BoolVar(&o.NoHeader, "no-header", false, "leave out the comment header with the unit's name, pod's version and the date")
	fs.StringVar(&f.format, "format", "", "print the units as json: a map of unit name to unit text")
	fs.BoolVar(&o.Template, "template", false, "make a template unit (NAME@.service) whose instances each run a container named NAME-INSTANCE (implies --new)")
	fs.StringVar(&o.PodPrefix, "pod-prefix", "pod", "prefix of a pod's own unit name")
	return c
}

func runSystemd(cmd *cobra.Command, g *cli.Globals, f *systemdFlags, ref string) error {
	ctx := cmd.Context()
	if f.format != "" && f.format != "json" {
		return errdefs.InvalidArgumentf("invalid --format %q: only json is supported", f.format)
	}
	o := f.opts
	if cmd.Flags().Changed("restart-sec") {
		o.RestartSec = &f.restartSec
	}
	if cmd.Flags().Changed("start-timeout") {
		o.StartTimeout = &f.startTimeout
	}
	if cmd.Flags().Changed("stop-timeout") {
		o.StopTimeout = &f.stopTimeout
	}
	env := make([]string, 0, len(o.Env))
	for _, e := range o.Env {
		if !strings.Contains(e, "=") {
			v, ok := os.LookupEnv(e)
			if !ok {
				continue // as -e KEY does for containers: unset stays unset
			}
			e += "=" + v
		}
		env = append(env, e)
	}
	o.Env = env
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the pod binary: %w", err)
	}
	o.Executable = exe
	o.Version = version.Version
	o.Now = time.Now()
	o.GlobalFlags = cli.FlagInfo(cmd.Root().PersistentFlags())
	o.VerbFlags = container.RunFlagInfo(g)

	r, err := g.OpenContainers(ctx)
	if err != nil {
		return err
	}
	defer r.Close()
	var units []systemdgen.Unit
	doc, err := r.InspectContainer(ctx, ref, false)
	switch {
	case err == nil:
		unit, err := systemdgen.Generate(describe(doc, r.Store().RunRoot()), o)
		if err != nil {
			return fmt.Errorf("generate systemd %s: %w", ref, err)
		}
		units = []systemdgen.Unit{unit}
	case errors.Is(err, errdefs.ErrNotFound):
		// As podman: a container of that name or ID first, else a pod.
		if units, err = podUnits(ctx, g, r, ref, o); err != nil {
			return err
		}
	default:
		return err
	}
	if f.files {
		dir, err := os.Getwd()
		if err != nil {
			return err
		}
		var paths []string
		for _, u := range units {
			path := filepath.Join(dir, u.Name)
			if err := os.WriteFile(path, []byte(u.Text), 0o644); err != nil {
				return fmt.Errorf("write %s: %w", path, err)
			}
			paths = append(paths, path)
		}
		if f.format == "json" {
			return cli.WriteJSON(g.Stdout, paths)
		}
		for _, p := range paths {
			fmt.Fprintln(g.Stdout, p)
		}
		return nil
	}
	if f.format == "json" {
		m := map[string]string{}
		for _, u := range units {
			m[u.Name] = u.Text
		}
		return cli.WriteJSON(g.Stdout, m)
	}
	for i, u := range units {
		if i > 0 {
			fmt.Fprintln(g.Stdout)
		}
		if _, err := fmt.Fprint(g.Stdout, u.Text); err != nil {
			return err
		}
	}
	return nil
}

// describe is what a unit needs of the container doc describes.
func describe(doc *engine.ContainerInspect, runRoot string) systemdgen.Container {
	return systemdgen.Container{
		ID:            doc.ID,
		Name:          strings.TrimPrefix(doc.Name, "/"),
		CreateCommand: doc.Config.CreateCommand,
		StopTimeout:   doc.Config.StopTimeout,
		RestartPolicy: string(doc.HostConfig.RestartPolicy.Name),
		PIDFile:       doc.ConmonPidFile,
		RunRoot:       runRoot,
	}
}

// podUnits generates the units of pod ref and its containers.
func podUnits(ctx context.Context, g *cli.Globals, r *engine.Runtime, ref string, o systemdgen.Options) ([]systemdgen.Unit, error) {
	pi, err := r.InspectPod(ctx, ref)
	if err != nil {
		if errors.Is(err, errdefs.ErrNotFound) {
			return nil, errdefs.NotFoundf("%s does not refer to a container or pod", ref)
		}
		return nil, err
	}
	runRoot := r.Store().RunRoot()
	p := systemdgen.Pod{ID: pi.ID, Name: pi.Name, CreateCommand: pi.CreateCommand, RunRoot: runRoot}
	var ctrs []systemdgen.Container
	for _, m := range pi.Containers {
		doc, err := r.InspectContainer(ctx, m.ID, false)
		if err != nil {
			return nil, fmt.Errorf("generate systemd %s: %w", ref, err)
		}
		if m.ID == pi.InfraContainerID {
			p.Infra = describe(doc, runRoot)
			continue
		}
		ctrs = append(ctrs, describe(doc, runRoot))
	}
	units, err := systemdgen.GeneratePod(p, ctrs, o, pod.CreateFlagInfo(g))
	if err != nil {
		return nil, fmt.Errorf("generate systemd %s: %w", ref, err)
	}
	return units, nil
}
