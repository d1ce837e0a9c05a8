package storage

import (
	"fmt"
	"strings"

	"github.com/containers/image/v5/docker/reference"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// NormalizeName turns a name given to tag or push into the fully qualified
// form storage records, as podman does: a name without a registry gets
// "localhost/", a name without tag or digest gets ":latest".
// "myimage" → "localhost/myimage:latest"; "quay.io/a/b" → "quay.io/a/b:latest".
func NormalizeName(name string) (reference.Named, error) {
	name = strings.TrimPrefix(name, "docker://")
	if name == "" {
		return nil, fmt.Errorf("empty image name: %w", errdefs.ErrInvalidArg)
	}
	first, _, hasSlash := strings.Cut(name, "/")
	if !hasSlash || (!strings.ContainsAny(first, ".:") && first != "localhost") {
		name = "localhost/" + name
	}
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return nil, fmt.Errorf("normalizing name %q: %w: %w", strings.TrimPrefix(name, "localhost/"), err, errdefs.ErrInvalidArg)
	}
	return reference.TagNameOnly(named), nil
}
