package spec

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/opencontainers/runtime-spec/specs-go"
)

// BundleConfig is the name of the runtime configuration in a bundle.
const BundleConfig = "config.json"

// WriteBundle writes s as dir/config.json. It writes a temporary file and
// renames it, so a reader (or a crash) never sees a partial config.
func WriteBundle(dir string, s *specs.Spec) error {
	data, err := json.MarshalIndent(s, "", "\t")
	if err != nil {
		return fmt.Errorf("encode runtime config: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create bundle %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, ".config-*.json")
	if err != nil {
		return fmt.Errorf("write runtime config: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write runtime config: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write runtime config: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write runtime config: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return fmt.Errorf("write runtime config: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, BundleConfig)); err != nil {
		return fmt.Errorf("write runtime config: %w", err)
	}
	return nil
}
