// Package autoupdate holds `pod auto-update`.
package autoupdate

import (
	"fmt"

	"github.com/containers/image/v5/types"
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/sdunit"
)

// Commands returns `auto-update`.
func Commands(g *cli.Globals) []*cobra.Command {
	var (
		o         engine.AutoUpdateOptions
		format    string
		tlsVerify bool
	)
	c := &cobra.Command{
		Use:   "auto-update [options]",
		Short: "Update the containers of systemd units to newer images and restart the units",
		Long: "For every running container labelled io.containers.autoupdate=registry or =local and run by a\n" +
			"systemd unit (its PODMAN_SYSTEMD_UNIT label, which generate systemd --new and Quadlet units\n" +
			"set): compare the image it runs with the registry's (registry; the image name must be fully\n" +
			"qualified) or the local one of its name (local); when newer, pull it and restart the unit,\n" +
			"and when the restart fails, go back to the old image (--rollback).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("tls-verify") {
				o.Registry.TLSVerify = types.NewOptionalBool(tlsVerify)
			}
			rt, err := g.OpenContainers(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			o.Units = sdunit.Systemctl{User: rt.Rootless()}
			reports, errs := rt.AutoUpdate(cmd.Context(), o)
			if err := cli.Render(g.Stdout, format, reports, cli.View{
				Default: "table {{.Unit}}\t{{.Container}}\t{{.Image}}\t{{.Policy}}\t{{.Updated}}",
			}); err != nil {
				return err
			}
			for _, err := range errs[:max(0, len(errs)-1)] {
				fmt.Fprintln(g.Stderr, cli.Message(err))
			}
			if len(errs) > 0 {
				return errs[len(errs)-1]
			}
			return nil
		},
	}
	f := c.Flags()
	f.BoolVar(&o.DryRun, "dry-run", false, "report what would be updated (Updated: pending), change nothing")
	f.BoolVar(&o.Rollback, "rollback", true, "when the restarted unit fails, go back to the old image and restart it again")
	f.StringVar(&format, "format", "", "Go template for each report ({{.Unit}} {{.Container}} {{.ContainerName}} {{.ContainerID}} {{.Image}} {{.Policy}} {{.Updated}}), table TEMPLATE, or json")
	f.StringVar(&o.Registry.AuthFile, "authfile", "", "path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)")
	f.BoolVar(&tlsVerify, "tls-verify", true, "require HTTPS and verify certificates (default: as registries.conf says)")
	return []*cobra.Command{c}
}
