// Package system holds the commands about pod itself and its host.
package system

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/version"
)

// Commands returns the system-level commands.
func Commands(g *cli.Globals) []*cobra.Command {
	return []*cobra.Command{newVersionCommand(g), newInfoCommand(g), newUnshareCommand(g), newEventsCommand(g)}
}

type versionInfo struct {
	Version    string
	APIVersion string
	GoVersion  string
	GitCommit  string
	Built      string
	OsArch     string
}

func newVersionCommand(g *cli.Globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Show the pod version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v := versionInfo{
				Version:    version.Version,
				APIVersion: version.APIVersion,
				GoVersion:  runtime.Version(),
				GitCommit:  version.GitCommit,
				Built:      version.BuildDate,
				OsArch:     runtime.GOOS + "/" + runtime.GOARCH,
			}
			switch format {
			case "":
				_, err := fmt.Fprintf(g.Stdout, "Version:      %s\nAPI Version:  %s\nGo Version:   %s\nGit Commit:   %s\nBuilt:        %s\nOS/Arch:      %s\n",
					v.Version, v.APIVersion, v.GoVersion, v.GitCommit, v.Built, v.OsArch)
				return err
			}
			// Docker's templates address .Client.Version; podman's also .Version.
			type view struct {
				versionInfo
				Client versionInfo
			}
			return cli.Render(g.Stdout, format, []view{{v, v}}, cli.View{JSON: struct{ Client versionInfo }{v}})
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "", "format the output with a Go template or 'json'")
	return cmd
}
