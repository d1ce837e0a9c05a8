package oci

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/opencontainers/runtime-spec/specs-go"
)

// Update changes the cgroup limits of a running container (`runc update
// --resources FILE`, which takes the runtime spec's LinuxResources).
func (r *Runtime) Update(ctx context.Context, id string, res *specs.LinuxResources) error {
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp("", "pod-update-*.json")
	if err != nil {
		return fmt.Errorf("update %s: %w", id, err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("update %s: %w", id, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("update %s: %w", id, err)
	}
	_, err = r.run(ctx, "update", "--resources", f.Name(), id)
	return err
}
