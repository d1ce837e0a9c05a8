package engine

import (
	"context"
	"errors"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/images"
	"github.com/pod-engine/pod/pkg/network"
)

// InspectKind is the kind of object InspectAny looks a name up among.
type InspectKind string

// The kinds of InspectAny. InspectAll tries them in podman's order:
// containers, images, volumes, networks.
const (
	InspectAll       InspectKind = "all"
	InspectContainer InspectKind = "container"
	InspectImage     InspectKind = "image"
	InspectVolume    InspectKind = "volume"
	InspectNetwork   InspectKind = "network"
)

// inspectOrder is the lookup order of InspectAll.
var inspectOrder = []InspectKind{InspectContainer, InspectImage, InspectVolume, InspectNetwork}

// InspectAnyOptions selects what InspectAny looks at.
type InspectAnyOptions struct {
	Kind InspectKind // "" is InspectAll
	Size bool        // measure a container's layers (containers only)
}

// Inspected is the object InspectAny found: Kind says which one field is
// set.
type Inspected struct {
	Kind      InspectKind
	Container *ContainerInspect
	Image     *images.ImageInspect
	Volume    *VolumeInfo
	Network   *network.Network
}

// ParseInspectKind checks a kind given by a user (`--type`, the API's
// `type=`); a bad one is an errdefs.ErrInvalidArg.
func ParseInspectKind(s string) (InspectKind, error) {
	switch k := InspectKind(s); k {
	case "":
		return InspectAll, nil
	case InspectAll, InspectContainer, InspectImage, InspectVolume, InspectNetwork:
		return k, nil
	}
	return "", errdefs.InvalidArgumentf("invalid type %q: must be container, image, volume, network or all", s)
}

// Validate checks the options before any lookup: a bad kind, or a size
// asked of a kind that has none, is an errdefs.ErrInvalidArg.
func (o InspectAnyOptions) Validate() error {
	kind, err := ParseInspectKind(string(o.Kind))
	if err != nil {
		return err
	}
	if o.Size && kind != InspectAll && kind != InspectContainer {
		return errdefs.InvalidArgumentf("size is not supported for type %q", kind)
	}
	return nil
}

// InspectAny finds name among the objects of o.Kind, or of every kind in
// podman's order (containers, images, volumes, networks): the first kind
// that has it wins. Only a not-found moves the search on to the next
// kind (and, among all kinds, a name that cannot be an image reference);
// any other failure (an unreadable or corrupt object, an ambiguous ID
// prefix) is returned as it is, with its own category. When no kind
// has the name, the error is an errdefs.ErrNotFound reading podman's
// `no such object: "NAME"` (`no such container NAME` and the like when
// one kind was asked for).
func (r *Runtime) InspectAny(ctx context.Context, name string, o InspectAnyOptions) (*Inspected, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	kind, _ := ParseInspectKind(string(o.Kind))
	kinds := inspectOrder
	if kind != InspectAll {
		kinds = []InspectKind{kind}
	}
	for _, k := range kinds {
		found, err := r.inspectKind(ctx, k, name, o.Size)
		if err == nil {
			return found, nil
		}
		// A name that cannot be an image reference (upper case, say)
		// names no image, and may still name a volume or a network.
		notImageName := k == InspectImage && kind == InspectAll && errors.Is(err, errdefs.ErrInvalidArg)
		if !errors.Is(err, errdefs.ErrNotFound) && !notImageName {
			return nil, err
		}
	}
	if kind == InspectAll {
		return nil, errdefs.NotFoundf("no such object: %q", name)
	}
	return nil, errdefs.NotFoundf("no such %s %s", kind, name)
}

// inspectKind looks name up among the objects of one kind.
func (r *Runtime) inspectKind(ctx context.Context, k InspectKind, name string, size bool) (*Inspected, error) {
	found := &Inspected{Kind: k}
	var err error
	switch k {
	case InspectContainer:
		found.Container, err = r.InspectContainer(ctx, name, size)
	case InspectImage:
		found.Image, err = r.Images().InspectImage(ctx, name)
	case InspectVolume:
		found.Volume, err = r.Volume(ctx, name)
	case InspectNetwork:
		var nets []*network.Network
		if nets, err = r.NetworkInspect(ctx, name); err == nil {
			found.Network = nets[0]
		}
	default:
		return nil, errdefs.InvalidArgumentf("invalid type %q", k)
	}
	if err != nil {
		return nil, err
	}
	return found, nil
}
