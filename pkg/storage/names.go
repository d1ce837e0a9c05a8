package storage

import (
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
		return nil, errdefs.InvalidArgumentf("empty image name")
	}
	first, _, hasSlash := strings.Cut(name, "/")
	if !hasSlash || (!strings.ContainsAny(first, ".:") && first != "localhost") {
		name = "localhost/" + name
	}
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return nil, errdefs.InvalidArgumentf("normalizing name %q: %w", strings.TrimPrefix(name, "localhost/"), err)
	}
	return reference.TagNameOnly(named), nil
}
