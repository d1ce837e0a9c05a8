package manifest

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/images"
)

func newAnnotateCommand(g *cli.Globals) *cobra.Command {
	var (
		o           images.ManifestAnnotateOptions
		annotations []string
	)
	c := &cobra.Command{
		Use:   "annotate [options] LIST [DIGEST|IMAGE]",
		Short: "Add or update information about an entry in a manifest list or image index",
		Long: "Change the entry of the manifest list LIST with this manifest digest (or added from this\n" +
			"local image): its platform and annotations; with --index, the index's own annotations.\n" +
			"Prints the list's ID.",
		Args: func(cmd *cobra.Command, args []string) error {
			index := o.Index || o.Subject != ""
			switch {
			case len(args) == 1 && index, len(args) == 2 && !index:
				return nil
			case index:
				return errors.New("--index and --subject annotate the index itself: give only LIST")
			}
			return errors.New("requires LIST and the digest or image of an entry")
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.Annotations, err = parseAnnotations(annotations); err != nil {
				return err
			}
			if p := o.Platform; (o.Index || o.Subject != "") && (p.Architecture != "" || p.OS != "" || p.Variant != "" || p.OSVersion != "" ||
				len(p.OSFeatures) > 0 || len(p.Features) > 0) {
				return errdefs.InvalidArgumentf("--index annotates the index itself: platform options need an entry's digest")
			}
			instance := ""
			if len(args) == 2 {
				instance = args[1]
			}
			rt, err := g.Open(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			id, err := rt.Images().AnnotateManifestList(cmd.Context(), args[0], instance, o)
			if err != nil {
				return err
			}
			printID(g, id)
			return nil
		},
	}
	f := c.Flags()
	f.StringArrayVar(&annotations, "annotation", nil, "set an annotation KEY=VALUE on the entry, or the index with --index (repeatable)")
	f.BoolVar(&o.Index, "index", false, "annotate the index itself, not an entry")
	f.StringVar(&o.Subject, "subject", "", "set the index's subject: the image (local, or docker://...) it is about; implies --index")
	f.StringVar(&o.Platform.Architecture, "arch", "", "architecture the entry records")
	f.StringVar(&o.Platform.OS, "os", "", "operating system the entry records")
	f.StringVar(&o.Platform.Variant, "variant", "", "architecture variant the entry records")
	f.StringVar(&o.Platform.OSVersion, "os-version", "", "operating system version the entry records")
	f.StringSliceVar(&o.Platform.OSFeatures, "os-features", nil, "operating system features the entry records")
	f.StringSliceVar(&o.Platform.Features, "features", nil, "features the entry records as required (Docker lists)")
	return c
}
