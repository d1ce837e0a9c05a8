package engine

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/storage"
)

// InfraImage is the image a pod's infra container runs when pod create is
// given no --infra-image: one layer holding the host's catatonit, made
// locally on first use (as podman makes its podman-pause image), never
// pulled. It runs catatonit in pause mode (-P), which only holds the
// namespaces and reaps.
const InfraImage = "localhost/pod-pause:catatonit"

// ensureInfraImage returns InfraImage, making it from the host's
// catatonit when storage does not have it.
func (r *Runtime) ensureInfraImage(ctx context.Context) (string, error) {
	st, err := r.storage()
	if err != nil {
		return "", err
	}
	if _, err := st.LookupImage(InfraImage); err == nil {
		return InfraImage, nil
	} else if !errors.Is(err, errdefs.ErrNotFound) {
		return "", err
	}
	bin, err := findInit()
	if err != nil {
		return "", fmt.Errorf("make the pod infra image: %w", err)
	}
	layer, err := infraLayer(bin)
	if err != nil {
		return "", fmt.Errorf("make the pod infra image: %w", err)
	}
	_, err = r.images.ImportImage(ctx, storage.ImportOptions{
		Source:    "-",
		Stdin:     bytes.NewReader(layer),
		Reference: InfraImage,
		Changes:   []string{`ENTRYPOINT ["/catatonit", "-P"]`},
		Message:   "pod infra image: catatonit from " + bin,
	})
	if err != nil {
		return "", fmt.Errorf("make the pod infra image: %w", err)
	}
	return InfraImage, nil
}

// infraLayer is a root filesystem tarball holding catatonit (a static
// binary) and the directories the runtime mounts over.
func infraLayer(bin string) ([]byte, error) {
	data, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	now := time.Unix(0, 0)
	for _, d := range []string{"dev", "etc", "proc", "run", "sys", "tmp"} {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755, ModTime: now}); err != nil {
			return nil, err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "catatonit", Mode: 0o755, Size: int64(len(data)), ModTime: now}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(data); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
