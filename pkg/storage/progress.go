package storage

import (
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/containers/image/v5/types"
	"github.com/opencontainers/go-digest"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
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

// isSizedTerminal says whether w is a terminal that progress bars can be
// drawn on.
func isSizedTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return false
	}
	width, _, err := term.GetSize(int(f.Fd()))
	return err == nil && width > 0
}

// blobProgress reports the layers pod fetches itself (pullLayersAhead)
// the way containers/image reports the blobs it copies: a bar per blob
// that ends in "done" on a terminal, else a "Copying blob DIGEST" line
// when the blob starts. A nil *blobProgress, or one made for a nil
// writer, reports nothing.
type blobProgress struct {
	w    io.Writer
	bars bool
	mu   sync.Mutex
	pool *mpb.Progress
}

func newBlobProgress(w io.Writer) *blobProgress {
	if w == nil {
		return &blobProgress{}
	}
	return &blobProgress{w: w, bars: isSizedTerminal(w)}
}

// printf writes a line; it must not be called while bars are drawn.
func (p *blobProgress) printf(format string, args ...any) {
	if p.w != nil {
		fmt.Fprintf(p.w, format, args...)
	}
}

// start reports that a blob begins to arrive through r and returns the
// reader to use instead, and the function to call when the blob is done
// (ok) or abandoned.
func (p *blobProgress) start(info types.BlobInfo, r io.Reader) (io.Reader, func(ok bool)) {
	if p.w == nil {
		return r, func(bool) {}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.bars || info.Size <= 0 {
		fmt.Fprintf(p.w, "Copying blob %s\n", info.Digest)
		return r, func(bool) {}
	}
	if p.pool == nil {
		p.pool = mpb.New(mpb.WithWidth(40), mpb.WithOutput(p.w))
	}
	// The same look as containers/image's bars: a 12-digit digest,
	// KiB counters and speed while running, "done" at the end.
	prefix := "Copying blob " + info.Digest.Encoded()[:12]
	bar := p.pool.AddBar(info.Size,
		mpb.BarFillerClearOnComplete(),
		mpb.PrependDecorators(decor.OnComplete(decor.Name(prefix), prefix+" done")),
		mpb.AppendDecorators(
			decor.OnComplete(decor.CountersKibiByte("%.1f / %.1f"), ""),
			decor.Name(" | "),
			decor.OnComplete(decor.EwmaSpeed(decor.SizeB1024(0), "% .1f", 30), ""),
		),
	)
	return bar.ProxyReader(r), func(ok bool) {
		if ok {
			bar.SetTotal(-1, true)
		} else {
			bar.Abort(false)
		}
	}
}

// wait returns when every bar is drawn in its final state. Every start
// must have been ended by its done function first.
func (p *blobProgress) wait() {
	p.mu.Lock()
	pool := p.pool
	p.mu.Unlock()
	if pool != nil {
		pool.Wait()
	}
}

// reportFilter is the report writer of a copy.Image that follows
// pullLayersAhead, which already printed "Getting image source
// signatures" and reported the layers it fetched: it drops those lines
// when copy.Image, finding the layers in the store, prints them again.
// It also hides that the output is a terminal, so that those layers are
// not drawn again as "skipped" bars.
type reportFilter struct {
	w    io.Writer
	drop map[string]bool // lines to drop, each once
}

func newReportFilter(w io.Writer, blobs []digest.Digest) *reportFilter {
	f := &reportFilter{w: w, drop: map[string]bool{"Getting image source signatures\n": true}}
	for _, d := range blobs {
		f.drop["Copying blob "+d.String()+"\n"] = true
	}
	return f
}

func (f *reportFilter) Write(b []byte) (int, error) {
	if f.drop[string(b)] {
		delete(f.drop, string(b))
		return len(b), nil
	}
	return f.w.Write(b)
}
