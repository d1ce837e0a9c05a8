package image

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/build"
	"github.com/pod-engine/pod/pkg/errdefs"
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
		pullNever, pullAlways      bool
		logfile, platform          string
		progress                   string
		jobs                       uint
		reg                        registryFlags
		output                     string
		bf                         buildImageFlags
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
			switch {
			case pullNever && pullAlways:
				return errdefs.InvalidArgumentf("--pull-never and --pull-always cannot be used together")
			case pullNever:
				o.Pull = "never"
			case pullAlways:
				o.Pull = "always"
			}
			if err := bf.apply(cmd, &o, platform); err != nil {
				return err
			}
			if o.Output, err = images.ParseBuildOutput(output); err != nil {
				return err
			}
			reg.apply(cmd, &o.TLSVerify, &o.AuthFile, &o.Credentials, &o.CertDir)
			o.Stdin = g.Stdin
			if bf.stdin {
				if o.ContextDir == "-" || o.Dockerfile == "-" {
					return errdefs.InvalidArgumentf("--stdin cannot be used when the context or the Dockerfile is read from standard input")
				}
				o.Image.RunStdin = g.Stdin
			}
			o.Out, o.Err = g.Stdout, g.Stderr
			toStdout := o.Output != nil && o.Output.Dest == "-"
			if toStdout {
				// Standard output carries the tar: the steps go to stderr.
				o.Output.Writer, o.Out = g.Stdout, g.Stderr
			}
			if bf.logsplit {
				if logfile == "" {
					return errdefs.InvalidArgumentf("--logsplit needs --logfile")
				}
				if len(o.Platforms) > 1 || o.AllPlatforms {
					// One file per platform, opened as each is built.
					o.LogSplit, logfile = logfile, ""
				} else {
					logfile = images.SplitLogfile(logfile, o.Image.Platform)
				}
			}
			if logfile != "" {
				// podman's --logfile: the build's output goes to the file.
				f, err := os.OpenFile(logfile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
				if err != nil {
					return fmt.Errorf("--logfile: %w", err)
				}
				defer f.Close()
				o.Out, o.Err = f, f
			}
			// RUN steps' containers get build's --hooks-dir and
			// --runtime-flag as run's get the global ones.
			g.HooksDirs = append(g.HooksDirs, bf.hooksDirs...)
			g.RuntimeFlags = append(g.RuntimeFlags, bf.runtimeFlags...)
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
			if !toStdout {
				fmt.Fprintln(g.Stdout, id)
			}
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
	f.BoolVar(&pullNever, "pull-never", false, "never pull base images (as --pull=never)")
	f.BoolVar(&pullAlways, "pull-always", false, "always pull base images (as --pull=always)")
	f.StringArrayVar(&o.Env, "env", nil, "add KEY=VALUE to the built image's environment (repeatable)")
	f.StringVar(&o.IgnoreFile, "ignorefile", "", "read ignore patterns from this file, not the context's .containerignore/.dockerignore")
	f.StringVar(&o.Run.Network, "network", "", "network of RUN steps: bridge, NAME, host, none or private (default: as pod run's)")
	f.StringArrayVar(&o.Run.AddHosts, "add-host", nil, "add NAME:IP to /etc/hosts of RUN steps (repeatable)")
	f.StringArrayVar(&o.Run.Ulimits, "ulimit", nil, "set a ulimit of RUN steps: NAME=SOFT[:HARD] (repeatable)")
	f.StringArrayVarP(&o.Run.Volumes, "volume", "v", nil, "mount a volume into RUN steps: SRC:DST[:OPTS] (repeatable)")
	f.StringVar(&logfile, "logfile", "", "write the build's output to this file instead of the terminal")
	f.StringVar(&platform, "platform", "", "the platform of the image: OS/ARCH[/VARIANT], or several separated by commas, each built and added to the --manifest list (default: the host's, linux/"+runtime.GOARCH+"; RUN steps of other architectures need binfmt_misc emulation)")
	f.StringVar(&progress, "progress", "auto", "progress output: auto, plain, tty, quiet or rawjson (pod's output is always plain)")
	f.UintVar(&jobs, "jobs", 1, "stages to build at once (pod builds one at a time; accepted for scripts)")
	f.StringVarP(&output, "output", "o", "", "also write the image's filesystem: type=local,dest=DIR, type=tar,dest=FILE, DIR, or - (a tar on standard output)")
	reg.register(c, true)
	bf.register(c, &o.Run)
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
