package container

import (
	"errors"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

func newCpCommand(g *cli.Globals) *cobra.Command {
	var o engine.CopyOptions
	c := &cobra.Command{
		Use:   "cp [options] [CONTAINER:]SRC_PATH [CONTAINER:]DEST_PATH",
		Short: "Copy files/folders between a container and the local filesystem",
		Long: "Copy files or directories from a container (running or not) to the host, from the host into a\n" +
			"container, or from one container into another. Use '-' as the host path to write a tar archive to\n" +
			"standard output, or to extract one read from standard input into a container directory. Container\n" +
			"paths stay inside the container's root filesystem: '..' and symlinks (absolute ones too) are\n" +
			"resolved inside it.",
		Example: "pod cp web:/etc/nginx/nginx.conf .\n  pod cp ./site web:/usr/share/nginx/html\n  tar c data | pod cp - web:/srv",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			srcCtr, srcPath := splitCopyArg(args[0])
			dstCtr, dstPath := splitCopyArg(args[1])
			switch {
			case srcCtr == "" && dstCtr == "":
				return errors.New("one of the paths must be CONTAINER:PATH")
			case srcPath == "" || dstPath == "":
				return errors.New("a container path must not be empty")
			}
			ctx := cmd.Context()
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			if srcCtr != "" && dstCtr != "" {
				return rt.CopyBetweenContainers(ctx, srcCtr, srcPath, dstCtr, dstPath, o)
			}
			if srcCtr != "" {
				return rt.CopyFromContainer(ctx, srcCtr, srcPath, dstPath, g.Stdout, o)
			}
			return rt.CopyToContainer(ctx, srcPath, g.Stdin, dstCtr, dstPath, o)
		},
	}
	f := c.Flags()
	f.BoolVarP(&o.Archive, "archive", "a", false, "keep the source's UIDs and GIDs")
	f.BoolVarP(&o.FollowLink, "follow-link", "L", false, "follow a symlink given as the source path")
	f.BoolVar(&o.Overwrite, "overwrite", false, "let a directory replace a non-directory and the other way round (else an error)")
	f.BoolVar(&o.Pause, "pause", false, "freeze a running source container while its files are copied out")
	return c
}

// splitCopyArg splits CONTAINER:PATH as Docker does: a path that starts
// with "/" or "." (or is "-") is local, whatever colons it holds.
func splitCopyArg(arg string) (ctr, path string) {
	if arg == "-" || strings.HasPrefix(arg, "/") || strings.HasPrefix(arg, ".") {
		return "", arg
	}
	if c, p, ok := strings.Cut(arg, ":"); ok {
		return c, p
	}
	return "", arg
}
