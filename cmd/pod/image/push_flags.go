package image

import (
	"fmt"

	"github.com/opencontainers/go-digest"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pod-engine/pod/pkg/atomicfile"
	"github.com/pod-engine/pod/pkg/storage"
)

// PushFlags are the flags push and manifest push share: layer
// compression and --digestfile.
type PushFlags struct {
	level      int
	digestFile string
}

// Bind adds the flags, compression going to c; what the digest file
// holds is the caller's (digestHelp).
func (p *PushFlags) Bind(f *pflag.FlagSet, c *storage.Compression, digestHelp string) {
	f.StringVar(&p.digestFile, "digestfile", "", digestHelp)
	f.StringVar(&c.Format, "compression-format", "", "compress layers with gzip, zstd or zstd:chunked")
	f.IntVar(&p.level, "compression-level", 0, "compression level of the --compression-format")
	f.BoolVar(&c.Force, "force-compression", false, "recompress layers the destination has in another format (default: true with --compression-format)")
}

// Apply completes c from what cmd was given.
func (p *PushFlags) Apply(cmd *cobra.Command, c *storage.Compression) {
	if cmd.Flags().Changed("compression-level") {
		c.Level = &p.level
	}
	// podman forces the format when it is given explicitly.
	if !cmd.Flags().Changed("force-compression") {
		c.Force = cmd.Flags().Changed("compression-format")
	}
}

// WriteDigest writes d to --digestfile, when it was given.
func (p *PushFlags) WriteDigest(d digest.Digest) error {
	if p.digestFile == "" {
		return nil
	}
	if err := atomicfile.WriteFile(p.digestFile, []byte(d.String()), 0o644); err != nil {
		return fmt.Errorf("write digest file: %w", err)
	}
	return nil
}
