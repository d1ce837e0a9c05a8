package image

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/build"
	"github.com/pod-engine/pod/pkg/images"
)

// buildVerbs are `build` (image build) and `buildx build`.
func buildVerbs() []verb {
	return []verb{
		{top: "build", new: newBuildCommand},
		{top: "buildx", new: newBuildxCommand, topOnly: true},
	}
}

// newBuildxCommand is `buildx`, which only has `build` (BuildKit's CLI
// shape, for scripts that call `docker buildx build`).
func newBuildxCommand(g *cli.Globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "buildx",
		Short: "Build images (buildx build is build)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	c.AddCommand(newBuildCommand(g))
	return c
}

func newBuildCommand(g *cli.Globals) *cobra.Command {
	var (
		o                          images.BuildOptions
		buildArgs, labels, secrets []string
		iidfile                    string
		pull                       string
	)
	c := &cobra.Command{
		Use:   "build [options] [CONTEXT]",
		Short: "Build an image from a Dockerfile",
		Long: "Build an image from a Containerfile or Dockerfile. CONTEXT is a directory (default .), a tar " +
			"archive, or - (standard input: a tar archive of the context, or a lone Dockerfile).",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.ContextDir = "."
			if len(args) > 0 {
				o.ContextDir = args[0]
			}
			var err error
			if o.BuildArgs, err = keyValues(buildArgs, "--build-arg", true); err != nil {
				return err
			}
			if o.Labels, err = keyValues(labels, "--label", false); err != nil {
				return err
			}
			if o.Secrets, err = parseSecrets(secrets); err != nil {
				return err
			}
			o.Pull = pull
			o.Stdin = g.Stdin
			o.Out, o.Err = g.Stdout, g.Stderr
			ctx := cmd.Context()
			rt, err := g.Open(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			id, err := rt.Build(ctx, o)
			if err != nil {
				var re *build.RunError
				if errors.As(err, &re) {
					return &cli.ExitError{Code: re.Code, Err: err}
				}
				return err
			}
			if iidfile != "" {
				if err := os.WriteFile(iidfile, []byte("sha256:"+id), 0o644); err != nil {
					return fmt.Errorf("write %s: %w", iidfile, err)
				}
			}
			fmt.Fprintln(g.Stdout, id)
			return nil
		},
	}
	f := c.Flags()
	f.StringArrayVarP(&o.Tags, "tag", "t", nil, "name the image (repeatable)")
	f.StringVarP(&o.Dockerfile, "file", "f", "", "Dockerfile to use, - for standard input (default: CONTEXT/Containerfile or CONTEXT/Dockerfile)")
	f.StringVar(&o.Target, "target", "", "build this stage and what it needs, not the last stage")
	f.StringArrayVar(&buildArgs, "build-arg", nil, "set an ARG: KEY=VALUE, or KEY to take it from the environment (repeatable)")
	f.StringVar(&pull, "pull", "missing", "pull base images: always, missing or never (--pull alone: always)")
	f.Lookup("pull").NoOptDefVal = "always"
	f.BoolVar(&o.NoCache, "no-cache", false, "do not reuse cached steps")
	f.BoolVar(&o.Layers, "layers", true, "keep each step's image and reuse unchanged steps from earlier builds")
	f.BoolVar(&o.Squash, "squash", false, "squash the final stage's new layers into one")
	f.StringVar(&o.Format, "format", "oci", "image format: oci or docker")
	f.StringArrayVar(&labels, "label", nil, "add a label to the image: KEY=VALUE (repeatable)")
	f.StringArrayVar(&secrets, "secret", nil, "a secret for RUN --mount=type=secret: id=ID,src=FILE (repeatable)")
	f.StringVar(&iidfile, "iidfile", "", "write the image ID to this file")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "print only the image ID (and a failing step's output)")
	return c
}

// keyValues reads KEY=VALUE flags; with fromEnv a bare KEY takes pod's own
// environment variable (and is skipped when unset, as Docker does).
func keyValues(list []string, flag string, fromEnv bool) (map[string]string, error) {
	m := map[string]string{}
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, "=")
		if k == "" {
			return nil, fmt.Errorf("invalid %s %q: want KEY=VALUE", flag, kv)
		}
		if !ok && fromEnv {
			ev, set := os.LookupEnv(k)
			if !set {
				continue
			}
			v = ev
		}
		m[k] = v
	}
	return m, nil
}

func parseSecrets(list []string) (map[string]string, error) {
	m := map[string]string{}
	for _, s := range list {
		var id, src string
		for _, part := range strings.Split(s, ",") {
			k, v, _ := strings.Cut(part, "=")
			switch k {
			case "id":
				id = v
			case "src", "source":
				src = v
			default:
				return nil, fmt.Errorf("invalid --secret %q: want id=ID,src=FILE", s)
			}
		}
		if id == "" || src == "" {
			return nil, fmt.Errorf("invalid --secret %q: want id=ID,src=FILE", s)
		}
		m[id] = src
	}
	return m, nil
}
