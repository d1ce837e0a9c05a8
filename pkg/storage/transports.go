package storage

import (
	"fmt"
	"strings"

	"github.com/containers/image/v5/transports"
	"github.com/containers/image/v5/types"

	// The transports a reference may name: registries, archives and
	// directories (docker-daemon, ostree and sif are not linked).
	_ "github.com/containers/image/v5/directory"
	_ "github.com/containers/image/v5/docker"
	_ "github.com/containers/image/v5/docker/archive"
	_ "github.com/containers/image/v5/oci/archive"
	_ "github.com/containers/image/v5/oci/layout"
)

// parseTransportName reads "TRANSPORT:DETAILS" (containers-transports(5))
// for the transports pod links. A name whose prefix is no known transport
// ("registry:5000/repo") is an error, so callers can try it as an image
// name instead.
func parseTransportName(name string) (types.ImageReference, error) {
	prefix, rest, ok := strings.Cut(name, ":")
	if !ok {
		return nil, fmt.Errorf("%q names no transport", name)
	}
	t := transports.Get(prefix)
	if t == nil {
		return nil, fmt.Errorf("%q: unknown transport %q", name, prefix)
	}
	return t.ParseReference(rest)
}
