package container

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/errdefs"
)

func newCreateCommand(g *cli.Globals) *cobra.Command {
	var f createFlags
	c := &cobra.Command{
		Use:   "create [options] IMAGE [COMMAND [ARG...]]",
		Short: "Create a container without starting it",
		Long: "Create a container from an image (pulled if missing) and print its ID. `pod start` runs it.\n" +
			"Flags are Docker's; the image's entrypoint, command, environment, working directory, user,\n" +
			"stop signal and labels apply unless a flag replaces them.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := f.options(g, cmd, args)
			if err != nil {
				return err
			}
			rt, err := g.Open(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			ctr, err := createContainer(cmd.Context(), rt, opts, f.cidfile, f.replace)
			if err != nil {
				return err
			}
			fmt.Fprintln(g.Stdout, ctr.ID)
			return nil
		},
	}
	addCreateFlags(c, &f)
	c.Flags().StringArrayVarP(&f.opts.Attach, "attach", "a", nil, "the streams `start --attach` attaches to: stdin, stdout or stderr (repeatable; default all)")
	c.Flags().StringVar(&f.opts.InitCtr, "init-ctr", "", "make an init container of the --pod: always (runs at every start of the pod) or once (at its first start, then removed); it runs to completion before the pod's other containers start")
	return c
}

// createContainer creates the container of create and run, with what
// happens around it: --replace removes a container of the same name first,
// --cidfile records the new ID in a file that must not exist yet (podman's
// rule: it names one container, and a systemd unit's ExecStop reads it).
func createContainer(ctx context.Context, rt *engine.Runtime, opts engine.CreateOptions, cidfile string, replace bool) (*engine.Container, error) {
	var cid *os.File
	if cidfile != "" {
		f, err := os.OpenFile(cidfile, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) {
			return nil, errdefs.AlreadyExistsf("container id file exists. Ensure another container is not using it or delete it: %s", cidfile)
		}
		if err != nil {
			return nil, fmt.Errorf("--cidfile: %w", err)
		}
		cid = f
		defer cid.Close()
	}
	if replace && opts.Name != "" {
		zero := 0
		if err := rt.Remove(ctx, opts.Name, engine.RemoveOptions{Force: true, Timeout: &zero}); err != nil && !errors.Is(err, engine.ErrNoSuchContainer) {
			return nil, fmt.Errorf("--replace: %w", err)
		}
	}
	ctr, err := rt.Create(ctx, opts)
	if err == nil && cid != nil {
		if _, err = cid.WriteString(ctr.ID); err == nil {
			err = cid.Close()
		}
		if err != nil {
			_ = rt.Remove(context.WithoutCancel(ctx), ctr.ID, engine.RemoveOptions{Force: true})
			err = fmt.Errorf("write --cidfile: %w", err)
		}
	}
	if err != nil {
		if cid != nil {
			_ = os.Remove(cidfile)
		}
		return nil, err
	}
	return ctr, nil
}
