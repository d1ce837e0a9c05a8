package main

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"testing"
)

// The large image must be partly compressible and partly not, as real
// images are: check what gzip makes of each kind of layer body.
func TestLayerBodiesCompressibility(t *testing.T) {
	text := make([]byte, 1<<20)
	fillText(text, 1)
	noise := make([]byte, 1<<20)
	if _, err := rand.Read(noise); err != nil {
		t.Fatal(err)
	}
	other := make([]byte, 1<<20)
	fillText(other, 2)
	if bytes.Equal(text, other) {
		t.Fatal("fillText gives the same bytes for different seeds: gzip would fold repeated files")
	}
	tests := []struct {
		name     string
		body     []byte
		min, max float64 // compressed/original
	}{
		{"text", text, 0.15, 0.45},
		{"random", noise, 0.99, 1.01},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			zw.Write(tt.body)
			zw.Close()
			r := float64(buf.Len()) / float64(len(tt.body))
			if r < tt.min || r > tt.max {
				t.Errorf("gzip ratio %.2f, want %.2f–%.2f", r, tt.min, tt.max)
			}
		})
	}
}
