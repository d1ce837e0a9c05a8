package engine

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/pod-engine/pod/pkg/lock"
	"github.com/pod-engine/pod/pkg/storage"
)

// CommitOptions are what `pod commit` was asked for.
type CommitOptions struct {
	// Reference names the new image ("" leaves it untagged).
	Reference string
	// Changes are Dockerfile instructions applied to the configuration,
	// as `pod import --change` takes them.
	Changes []string
	Message string // history comment
	Author  string
	// Pause freezes a running container while its changes are read: a
	// consistent layer, and one a container racing the read (swapping a
	// directory for a symlink to the host's /) cannot fill with the
	// host's files. The CLI sets it by default, as Docker does.
	Pause  bool
	Format string // storage.FormatOCI (default) or storage.FormatDocker
	// IncludeVolumes adds the destinations of the container's -v and
	// --mount volumes and binds to the image's VOLUMEs.
	IncludeVolumes bool
	// Squash makes the image one layer: the container's whole root
	// filesystem, its image's layers included.
	Squash bool
}

// Commit makes an image of a container: its image's layers plus one layer
// of what the container changed, with the container's configuration
// (environment, command, entrypoint, working directory, user, labels, stop
// signal) on top of its image's. It returns the new image's ID.
func (r *Runtime) Commit(ctx context.Context, idOrName string, o CommitOptions) (string, error) {
	st, err := r.storage()
	if err != nil {
		return "", err
	}
	var c *Container
	if o.Pause {
		// Pausing is a lifecycle change: under the container's lock, so
		// that a pause, stop or unpause meanwhile neither fails on a
		// container frozen behind its back nor is undone by the resume.
		var l *lock.Lock
		if c, l, err = r.getLocked(ctx, idOrName); err != nil {
			return "", err
		}
		defer l.Release()
	} else if c, err = r.Container(ctx, idOrName); err != nil {
		return "", err
	}
	var names []string
	if o.Reference != "" {
		named, err := storage.NormalizeName(o.Reference)
		if err != nil {
			return "", err
		}
		names = []string{named.String()}
	}
	ctr, err := st.Container(c.ID)
	if err != nil {
		return "", fmt.Errorf("storage of container %s: %w", shortID(c.ID), err)
	}
	base, err := st.RawConfig(ctx, c.ImageID)
	if err != nil {
		return "", err
	}
	cfg := *base
	cc := c.Config
	ic := &cfg.Config
	ic.Env = append([]string(nil), cc.Env...)
	ic.Entrypoint = append([]string(nil), cc.Entrypoint...)
	ic.Cmd = append([]string(nil), cc.Cmd...)
	ic.WorkingDir = cc.WorkingDir
	ic.User = cc.User
	if cc.StopSignal != "" {
		ic.StopSignal = cc.StopSignal
	}
	if len(cc.Labels) > 0 {
		labels := maps.Clone(ic.Labels)
		if labels == nil {
			labels = map[string]string{}
		}
		maps.Copy(labels, cc.Labels)
		ic.Labels = labels
	}
	if o.IncludeVolumes {
		vols := maps.Clone(ic.Volumes)
		for _, m := range cc.Mounts {
			if m.Type != "bind" && m.Type != "volume" {
				continue
			}
			if vols == nil {
				vols = map[string]struct{}{}
			}
			vols[m.Destination] = struct{}{}
		}
		ic.Volumes = vols
	}
	if err := storage.ApplyChanges(&ic.ImageConfig, o.Changes); err != nil {
		return "", err
	}
	now := time.Now().UTC()
	cfg.Created = &now
	cfg.Author = o.Author
	createdBy := strings.Join(append(append([]string(nil), cc.Entrypoint...), cc.Cmd...), " ")

	if o.Pause {
		thaw, err := r.freezeForRead(ctx, c)
		if err != nil {
			return "", err
		}
		defer thaw()
	}
	parent := c.ImageID
	if o.Squash {
		parent = ""
	}
	return st.Commit(ctx, storage.CommitOptions{
		Parent:  parent,
		Layer:   ctr.LayerID,
		Config:  cfg,
		History: v1.History{Created: &now, CreatedBy: createdBy, Author: o.Author, Comment: o.Message},
		Format:  o.Format,
		Names:   names,
		UIDMap:  ctr.UIDMap,
		GIDMap:  ctr.GIDMap,
	})
}
