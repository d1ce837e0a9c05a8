package testimage

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/containers/image/v5/copy"
	"github.com/containers/image/v5/docker"
	"github.com/containers/image/v5/oci/layout"
	"github.com/containers/image/v5/signature"
	"github.com/containers/image/v5/types"
	digest "github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// WriteLayout writes an OCI image layout at dir holding one image, tagged
// tag, with the given config and uncompressed layer tarballs (gzip-compressed
// in the layout, bottom layer first).
func WriteLayout(dir, tag string, cfg v1.ImageConfig, layers [][]byte) error {
	if err := os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755); err != nil {
		return err
	}
	put := func(b []byte) (digest.Digest, error) {
		sum := sha256.Sum256(b)
		d := digest.NewDigestFromEncoded(digest.SHA256, hex.EncodeToString(sum[:]))
		return d, os.WriteFile(filepath.Join(dir, "blobs", "sha256", d.Encoded()), b, 0o644)
	}
	created := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	img := v1.Image{
		Created:  &created,
		Platform: v1.Platform{Architecture: runtime.GOARCH, OS: "linux"},
		Config:   cfg,
		RootFS:   v1.RootFS{Type: "layers"},
	}
	m := v1.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageManifest}
	compressed, err := gzipAll(layers)
	if err != nil {
		return err
	}
	for i, l := range layers {
		sum := sha256.Sum256(l)
		img.RootFS.DiffIDs = append(img.RootFS.DiffIDs, digest.NewDigestFromEncoded(digest.SHA256, hex.EncodeToString(sum[:])))
		img.History = append(img.History, v1.History{Created: &created, CreatedBy: fmt.Sprintf("test layer %d", i+1)})
		d, err := put(compressed[i])
		if err != nil {
			return err
		}
		m.Layers = append(m.Layers, v1.Descriptor{MediaType: v1.MediaTypeImageLayerGzip, Digest: d, Size: int64(len(compressed[i]))})
	}
	cb, err := json.Marshal(img)
	if err != nil {
		return err
	}
	cd, err := put(cb)
	if err != nil {
		return err
	}
	m.Config = v1.Descriptor{MediaType: v1.MediaTypeImageConfig, Digest: cd, Size: int64(len(cb))}
	mb, err := json.Marshal(m)
	if err != nil {
		return err
	}
	md, err := put(mb)
	if err != nil {
		return err
	}
	idx := v1.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageIndex, Manifests: []v1.Descriptor{{
		MediaType: v1.MediaTypeImageManifest, Digest: md, Size: int64(len(mb)),
		Annotations: map[string]string{v1.AnnotationRefName: tag},
	}}}
	ib, err := json.Marshal(idx)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "index.json"), ib, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
}

// gzipAll compresses the layers concurrently: large synthetic images would
// otherwise take a core-minute to make.
func gzipAll(layers [][]byte) ([][]byte, error) {
	out := make([][]byte, len(layers))
	errs := make([]error, len(layers))
	var wg sync.WaitGroup
	for i, l := range layers {
		wg.Add(1)
		go func(i int, l []byte) {
			defer wg.Done()
			var gz bytes.Buffer
			zw := gzip.NewWriter(&gz)
			if _, err := zw.Write(l); err != nil {
				errs[i] = err
				return
			}
			errs[i] = zw.Close()
			out[i] = gz.Bytes()
		}(i, l)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("compress layer %d: %w", i+1, err)
		}
	}
	return out, nil
}

// PushLayout copies the image tagged tag in the OCI layout at dir to dest
// (host:port/name:tag) over plain HTTP. mime forces the manifest type ("" keeps
// the layout's OCI manifest).
func PushLayout(ctx context.Context, dir, tag, dest, mime string) error {
	src, err := layout.NewReference(dir, tag)
	if err != nil {
		return err
	}
	dst, err := docker.ParseReference("//" + dest)
	if err != nil {
		return err
	}
	pc, err := signature.NewPolicyContext(&signature.Policy{Default: []signature.PolicyRequirement{signature.NewPRInsecureAcceptAnything()}})
	if err != nil {
		return err
	}
	defer pc.Destroy()
	_, err = copy.Image(ctx, pc, dst, src, &copy.Options{
		DestinationCtx:        &types.SystemContext{DockerInsecureSkipTLSVerify: types.OptionalBoolTrue},
		ForceManifestMIMEType: mime,
	})
	if err != nil {
		return fmt.Errorf("push %s: %w", dest, err)
	}
	return nil
}
