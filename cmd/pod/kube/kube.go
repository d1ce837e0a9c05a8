// Package kube holds `pod kube play|down|generate` and their older names
// `pod play kube` and `pod generate kube`, as podman.
package kube

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/errdefs"
)

// Commands returns the `kube` group and the `play` group that holds `play
// kube` under podman's older name; `generate kube` is GenerateCommand, in
// the `generate` group.
func Commands(g *cli.Globals) []*cobra.Command {
	group := &cobra.Command{
		Use:   "kube",
		Short: "Play and generate Kubernetes YAML",
		Long:  "Run pods from Kubernetes YAML (Pod, Deployment, ConfigMap, Secret, PersistentVolumeClaim, Service), remove them, and write YAML for existing pods.",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	group.AddCommand(newPlayCommand(g, "play"), newDownCommand(g), newGenerateCommand(g, "generate"))
	play := &cobra.Command{
		Use:   "play",
		Short: "Play Kubernetes YAML (same as kube play)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	play.AddCommand(newPlayCommand(g, "kube"))
	return []*cobra.Command{group, play}
}

// GenerateCommand is `generate kube`, podman's older name of `kube
// generate`.
func GenerateCommand(g *cli.Globals) *cobra.Command {
	return newGenerateCommand(g, "kube")
}

// openInput opens FILE, an http(s) URL, or - for stdin.
func openInput(ctx context.Context, g *cli.Globals, src string) (io.ReadCloser, error) {
	switch {
	case src == "-":
		return io.NopCloser(g.Stdin), nil
	case strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://"):
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
		if err != nil {
			return nil, errdefs.InvalidArgumentf("invalid URL %q: %v", src, err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, errdefs.Unavailablef("fetch %s: %v", src, err)
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return nil, errdefs.Unavailablef("fetch %s: %s", src, resp.Status)
		}
		return resp.Body, nil
	}
	f, err := os.Open(src)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, errdefs.NotFoundf("%s: no such file", src)
		}
		return nil, fmt.Errorf("open %s: %w", src, err)
	}
	return f, nil
}
