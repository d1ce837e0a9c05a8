package storage

import (
	"io"
	"os"

	"golang.org/x/term"
)

// progressWriter decides how containers/image reports a copy to w. It
// draws progress bars when w is a terminal and plain "Copying blob ..."
// lines otherwise. A terminal that reports no width (a pty nobody sized,
// as under `script` or some CI runners) would get bars of width zero,
// which draw nothing; such a terminal gets the plain lines instead, by
// hiding that w is a terminal.
func progressWriter(w io.Writer) io.Writer {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return w
	}
	if width, _, err := term.GetSize(int(f.Fd())); err != nil || width <= 0 {
		return struct{ io.Writer }{w}
	}
	return w
}
