package cli

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/pod-engine/pod/pkg/atomicfile"
)

// WriteArchive writes an archive (export, volume export) with write: to
// output when given, through a temporary file renamed into place so that
// a failed write leaves no partial archive, else to standard output, which
// must not be a terminal (verb names the refusal, as podman's: "export").
func WriteArchive(g *Globals, output, verb string, write func(io.Writer) error) error {
	if output == "" {
		if f, ok := g.Stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			return fmt.Errorf("refusing to %s to terminal. Use -o flag or redirect", verb)
		}
		return write(g.Stdout)
	}
	f, err := atomicfile.Create(output, 0o644)
	if err != nil {
		return fmt.Errorf("create %s: %w", output, err)
	}
	defer f.Close()
	if err := write(f); err != nil {
		return err
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("write %s: %w", output, err)
	}
	return nil
}
