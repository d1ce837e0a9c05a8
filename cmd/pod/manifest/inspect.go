package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/cmd/pod/image"
	"github.com/pod-engine/pod/pkg/images"
)

func newInspectCommand(g *cli.Globals) *cobra.Command {
	var reg image.RegistryFlags
	c := &cobra.Command{
		Use:   "inspect [options] LIST",
		Short: "Display a manifest list or image index",
		Long: "Print the manifest list LIST as JSON. When LIST is no local manifest list, its manifest\n" +
			"in a registry is printed instead.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var o images.RegistryOptions
			reg.Apply(cmd, &o)
			rt, err := g.Open(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			doc, err := rt.Images().InspectManifestList(cmd.Context(), args[0], o)
			if err != nil {
				return err
			}
			raw, err := json.Marshal(doc)
			if err != nil {
				return err
			}
			// podman indents with four spaces; scripts compare the text.
			var b bytes.Buffer
			if err := json.Indent(&b, raw, "", "    "); err != nil {
				return err
			}
			fmt.Fprintln(g.Stdout, b.String())
			return nil
		},
	}
	reg.Register(c, false)
	_ = c.Flags().MarkHidden("cert-dir")
	return c
}
