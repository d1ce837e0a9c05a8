package manifest

import (
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/cmd/pod/image"
	"github.com/pod-engine/pod/pkg/images"
)

func newAddCommand(g *cli.Globals) *cobra.Command {
	var (
		o           images.ManifestAddOptions
		reg         image.RegistryFlags
		annotations []string
	)
	c := &cobra.Command{
		Use:   "add [options] LIST IMAGE [IMAGE...]",
		Short: "Add an image to a manifest list or image index",
		Long: "Add IMAGEs to the manifest list LIST: a reference with a transport (docker://,\n" +
			"containers-storage:, oci-archive:, ...), else a local image, else an image in a registry.\n" +
			"The image is not copied; it is read again when the list is pushed. Prints the list's ID.",
		Args: cobra.MinimumNArgs(2),
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
			var id string
			for _, img := range args[1:] {
				if id, _, err = rt.Images().AddToManifestList(cmd.Context(), args[0], img, o); err != nil {
					return err
				}
			}
			printID(g, id)
			return nil
		},
	}
	f := c.Flags()
	f.BoolVar(&o.All, "all", false, "add every image of an IMAGE that is itself a list, not only one")
	f.StringArrayVar(&annotations, "annotation", nil, "set an annotation KEY=VALUE on the entry (repeatable)")
	f.StringVar(&o.Platform.Architecture, "arch", "", "architecture the entry records (and picks from an IMAGE that is a list)")
	f.StringVar(&o.Platform.OS, "os", "", "operating system the entry records (and picks from an IMAGE that is a list)")
	f.StringVar(&o.Platform.Variant, "variant", "", "architecture variant the entry records (and picks from a list)")
	f.StringVar(&o.Platform.OSVersion, "os-version", "", "operating system version the entry records")
	f.StringSliceVar(&o.Platform.Features, "features", nil, "features the entry records as required (Docker lists)")
	reg.Register(c, true)
	return c
}
