package e2e

import (
	"context"

	"github.com/pod-engine/pod/internal/testimage"
)

// Registry is a real Docker distribution registry on a free loopback port.
type Registry = testimage.Registry

// StartRegistry starts a registry storing its data under dir/registry.
func StartRegistry(dir string) (*Registry, error) {
	return testimage.StartRegistry(context.Background(), dir)
}

// writeRegistriesConf writes a registries.conf that makes the loopback
// registry the only search registry and allows plain HTTP to it.
func writeRegistriesConf(dir, addr string) (string, error) {
	return testimage.WriteRegistriesConf(dir, addr)
}

func freeAddr() (string, error) { return testimage.FreeAddr() }
