package manifest

import (
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/cmd/pod/image"
	"github.com/pod-engine/pod/pkg/images"
)

func newCreateCommand(g *cli.Globals) *cobra.Command {
	var (
		o           images.ManifestCreateOptions
		reg         image.RegistryFlags
		annotations []string
	)
	c := &cobra.Command{
		Use:   "create [options] LIST [IMAGE...]",
		Short: "Create a manifest list or image index",
		Long: "Create a manifest list stored as an image named LIST (a name without registry is\n" +
			"localhost/LIST), holding the IMAGEs given. Prints the list's ID.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			reg.Apply(cmd, &o.RegistryOptions)
			var err error
			if o.Annotations, err = parseAnnotations(annotations); err != nil {
				return err
			}
			rt, err := g.Open(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			id, err := rt.Images().CreateManifestList(cmd.Context(), args[0], args[1:], o)
			if err != nil {
				return err
			}
			printID(g, id)
			return nil
		},
	}
	f := c.Flags()
	f.BoolVar(&o.All, "all", false, "add every image of an IMAGE that is itself a list, not only this platform's")
	f.BoolVarP(&o.Amend, "amend", "a", false, "modify the list LIST if it exists instead of failing")
	f.StringArrayVar(&annotations, "annotation", nil, "set an annotation KEY=VALUE on the index (repeatable)")
	reg.Register(c, false)
	return c
}
