package container

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

func newCommitCommand(g *cli.Globals) *cobra.Command {
	var (
		o       engine.CommitOptions
		quiet   bool
		iidfile string
	)
	c := &cobra.Command{
		Use:   "commit [options] CONTAINER [IMAGE]",
		Short: "Create an image from a container's changes",
		Long: "Make a new image of the container's image plus one layer holding what the container changed, " +
			"with the container's configuration (environment, command, entrypoint, working directory, user, " +
			"labels, stop signal), and print its ID.",
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				o.Reference = args[1]
			}
			ctx := cmd.Context()
			rt, err := g.Open(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			id, err := rt.Commit(ctx, args[0], o)
			if err != nil {
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
	f.StringArrayVarP(&o.Changes, "change", "c", nil, "apply a Dockerfile instruction to the image: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR (repeatable)")
	f.StringVarP(&o.Message, "message", "m", "", "commit message recorded in the image history")
	f.StringVarP(&o.Author, "author", "a", "", "author of the image")
	f.BoolVarP(&o.Pause, "pause", "p", true, "freeze a running container while its changes are read (--pause=false reads them live: only for containers you trust)")
	f.StringVarP(&o.Format, "format", "f", "oci", "format of the image manifest and configuration: oci or docker")
	f.BoolVarP(&quiet, "quiet", "q", false, "print only the image ID (the only output there is)")
	f.StringVar(&iidfile, "iidfile", "", "write the image ID (sha256:...) to this file")
	f.BoolVar(&o.IncludeVolumes, "include-volumes", false, "add the container's -v and --mount destinations to the image's VOLUMEs")
	f.BoolVarP(&o.Squash, "squash", "s", false, "make the image one layer: the container's whole root filesystem")
	return c
}
