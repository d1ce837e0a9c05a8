package storage

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	digest "github.com/opencontainers/go-digest"
)

// TestReportFilterConcurrent: copy.Image prints from one goroutine per
// layer. The filter drops each line it was told of once, passes the rest
// whole, and may be written to from all of them at once.
func TestReportFilterConcurrent(t *testing.T) {
	const n = 64
	var blobs []digest.Digest
	for i := 0; i < n; i++ {
		blobs = append(blobs, digest.FromString(fmt.Sprint(i)))
	}
	var out bytes.Buffer
	f := newReportFilter(&out, blobs)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(d digest.Digest) {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				fmt.Fprintf(f, "Copying blob %s\n", d)
			}
		}(blobs[i])
	}
	wg.Wait()
	// Each blob's line was dropped once: 99 of its 100 remain.
	lines := bytes.Count(out.Bytes(), []byte("\n"))
	if lines != n*99 {
		t.Fatalf("%d lines passed, want %d", lines, n*99)
	}
	for _, d := range blobs {
		if got := bytes.Count(out.Bytes(), []byte("Copying blob "+d.String()+"\n")); got != 99 {
			t.Fatalf("blob %s: %d lines, want 99", d, got)
		}
	}
}
