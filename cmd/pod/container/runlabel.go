package container

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/containers/image/v5/types"
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/images"
	"github.com/pod-engine/pod/pkg/runlabel"
)

func newRunlabelCommand(g *cli.Globals) *cobra.Command {
	var (
		name, authFile, creds, certDir string
		display, replace, quiet        bool
		tlsVerify, pull                bool
	)
	c := &cobra.Command{
		Use:   "runlabel [options] LABEL IMAGE [ARG...]",
		Short: "Execute the command described by an image label",
		Long: "Read LABEL (say RUN or INSTALL) of IMAGE, pulled when it is not local, and execute its value as a\n" +
			"command on the host, with ARGs appended. IMAGE, $IMAGE and ${IMAGE} in the label become the image's\n" +
			"name, NAME likewise the container name (--name, else the image's base name), $PWD the working\n" +
			"directory. A label that runs podman, docker or pod runs this pod binary, with the same --root,\n" +
			"--runroot, storage and runtime flags. Run it on trusted images only.",
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			label, ref := args[0], args[1]
			rt, err := g.Open(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			po := images.PullOptions{Quiet: quiet, AuthFile: authFile, Credentials: creds, CertDir: certDir}
			if !quiet {
				po.Progress = g.Stderr
			}
			if cmd.Flags().Changed("tls-verify") {
				po.TLSVerify = types.NewOptionalBool(tlsVerify)
			}
			policy := "missing"
			if !pull {
				policy = "never"
			}
			id, err := rt.Images().Resolve(ctx, ref, policy, po)
			if err != nil {
				return err
			}
			img, err := rt.Images().InspectImage(ctx, id)
			if err != nil {
				return err
			}
			value := img.Labels[label]
			if value == "" && img.Config != nil {
				value = img.Config.Labels[label]
			}
			if value == "" {
				return errdefs.NotFoundf("image %s has no label %s", ref, label)
			}
			imageName := id
			if len(img.RepoTags) > 0 {
				imageName = img.RepoTags[0]
			}
			exe, err := os.Executable()
			if err != nil {
				return fmt.Errorf("runlabel: %w", err)
			}
			pwd, _ := os.Getwd()
			argv, err := runlabel.Command(value, args[2:], runlabel.Options{
				Image: imageName, Name: name, Pwd: pwd, Exe: exe, GlobalArgs: globalArgs(g),
			})
			if err != nil {
				return err
			}
			if display {
				fmt.Fprintf(g.Stdout, "command: %s\n", strings.Join(argv, " "))
				return nil
			}
			if replace {
				if n := runlabel.ContainerName(argv); n != "" {
					err := rt.Remove(ctx, n, engine.RemoveOptions{Force: true})
					if err != nil && !errors.Is(err, errdefs.ErrNotFound) {
						return fmt.Errorf("runlabel --replace: %w", err)
					}
				}
			}
			rt.Close()
			run := exec.CommandContext(ctx, argv[0], argv[1:]...)
			run.Stdin, run.Stdout, run.Stderr = g.Stdin, g.Stdout, g.Stderr
			if err := run.Run(); err != nil {
				var ee *exec.ExitError
				if errors.As(err, &ee) && ee.ExitCode() >= 0 {
					return cli.Exit(ee.ExitCode())
				}
				if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
					return errdefs.CommandNotFoundf("runlabel %s: %v", label, err)
				}
				return fmt.Errorf("runlabel %s: %w", label, err)
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVarP(&name, "name", "n", "", "the container name NAME stands for (default: the image's base name)")
	f.BoolVar(&display, "display", false, "print the command with its variables substituted, without running it")
	f.BoolVar(&replace, "replace", false, "remove a container of the command's --name first, if there is one")
	f.BoolVarP(&quiet, "quiet", "q", false, "no pull progress")
	f.BoolVar(&pull, "pull", true, "pull the image when it is not local")
	_ = f.MarkHidden("pull")
	f.BoolVar(&tlsVerify, "tls-verify", true, "require HTTPS and verify certificates when pulling (default: as registries.conf says)")
	f.StringVar(&authFile, "authfile", "", "path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)")
	f.StringVar(&certDir, "cert-dir", "", "directory with the registry's certificates (*.crt, *.cert, *.key)")
	f.StringVar(&creds, "creds", "", "credentials for the registry, USERNAME[:PASSWORD]")
	return c
}

// globalArgs are the global flags the user gave that a nested pod must see
// to act on the same containers and storage.
func globalArgs(g *cli.Globals) []string {
	var a []string
	for _, kv := range [][2]string{{"--root", g.Root}, {"--runroot", g.RunRoot}, {"--storage-driver", g.StorageDriver},
		{"--runtime", g.Runtime}, {"--cgroup-manager", g.CgroupManager}} {
		if kv[1] != "" {
			a = append(a, kv[0], kv[1])
		}
	}
	for _, o := range g.StorageOpts {
		a = append(a, "--storage-opt", o)
	}
	return a
}
