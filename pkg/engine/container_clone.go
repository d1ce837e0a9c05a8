package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/idmap"
	"github.com/pod-engine/pod/pkg/specgen"
)

// CloneOptions are `container clone`'s.
type CloneOptions struct {
	// Name is the clone's name; "" is the original's with "-clone"
	// appended (then "-clone1", "-clone2", ... while taken), as podman.
	Name string
	// Image, when set, is the clone's image instead of the original's.
	Image string
	// Destroy removes the original once the clone exists (stopping it).
	Destroy bool
	// Run starts the clone.
	Run bool
	// Force, with Destroy, removes an original that runs (stopping it);
	// without, a running original is refused before anything is made.
	Force bool
	// Limits change the clone's cgroup limits (--memory, --cpus, ...):
	// the original's, with these applied over them.
	Limits LimitOptions
	// Pod is the pod the clone joins instead of the original's.
	Pod string
}

// Clone makes a new container with the configuration of an existing one
// (its flags as the original was created with, in the same pod), a new
// ID, name and root filesystem from the image, and its own copy of the
// original's secrets. It returns the clone.
func (r *Runtime) Clone(ctx context.Context, idOrName string, o CloneOptions) (*Container, error) {
	if _, err := r.storage(); err != nil {
		return nil, err
	}
	orig, err := r.Container(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	if orig.PodID != "" {
		if p, err := r.Pod(ctx, orig.PodID); err == nil && p.InfraID == orig.ID {
			return nil, invalidf("%s is the infra container of pod %s: clone the pod's members instead", orig.Name, p.Name)
		}
	}
	// A copy of the configuration, through JSON: nothing is shared with
	// the original's.
	cfg := new(ContainerConfig)
	if err := copyJSON(cfg, orig.Config); err != nil {
		return nil, fmt.Errorf("clone %s: %w", orig.Name, err)
	}
	cfg.CreatedAt = time.Now()
	if isAutoUserNS(cfg) {
		// Storage chooses the clone's own range.
		cfg.UIDMap, cfg.GIDMap = nil, nil
	}
	if o.Force && !o.Destroy {
		return nil, invalidf("--force can only be used with --destroy")
	}
	if o.Destroy && !o.Force && isActive(orig.Status) {
		return nil, errdefs.Conflictf("cannot destroy container %s after cloning it: it is running (stop it, or use --force)", orig.Name)
	}
	if o.Limits.LimitsSet() {
		if !r.cgroupsUsable() {
			return nil, invalidf("cannot set resource limits: %s", specgen.RootlessV1Warning)
		}
		if cfg.Resources, err = specgen.BuildResources(cfg.Resources, o.Limits); err != nil {
			return nil, err
		}
	}
	podID := orig.PodID
	if o.Pod != "" {
		if podID, err = r.clonePod(ctx, cfg, o.Pod); err != nil {
			return nil, err
		}
	}
	if o.Image != "" {
		id, name, _, err := r.resolveImage(ctx, CreateOptions{Image: o.Image})
		if err != nil {
			return nil, err
		}
		cfg.ImageID, cfg.ImageName = id, name
	}
	secretData, err := r.containerSecretData(orig)
	if err != nil {
		return nil, err
	}
	name := o.Name
	if name == "" {
		if name, err = r.cloneName(ctx, orig.Name); err != nil {
			return nil, err
		}
	}
	c, err := r.createFrom(ctx, cfg, name, podID, secretData)
	if err != nil {
		return nil, err
	}
	if o.Destroy {
		if err := r.Remove(ctx, orig.ID, RemoveOptions{Force: o.Force}); err != nil {
			return c, fmt.Errorf("remove %s after cloning it: %w", orig.Name, err)
		}
	}
	if o.Run {
		if err := r.Start(ctx, c.ID, StartOptions{}); err != nil {
			return c, err
		}
	}
	return c, nil
}

func isAutoUserNS(cfg *ContainerConfig) bool {
	return strings.HasPrefix(cfg.UsernsMode, string(idmap.Auto))
}

// cloneName is the first free name of base-clone, base-clone1, ...
func (r *Runtime) cloneName(ctx context.Context, base string) (string, error) {
	for i := 0; i < 1000; i++ {
		n := base + "-clone"
		if i > 0 {
			n += strconv.Itoa(i)
		}
		_, err := r.db.Get(ctx, n)
		if errors.Is(err, errdefs.ErrNotFound) {
			return n, nil
		}
		if err != nil {
			return "", err
		}
	}
	return "", errdefs.Conflictf("no free name for a clone of %s", base)
}

// containerSecretData reads the copies of its secrets a container holds.
func (r *Runtime) containerSecretData(c *Container) ([][]byte, error) {
	if len(c.Config.Secrets) == 0 {
		return nil, nil
	}
	userdata, err := r.userdataDir(c.ID)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(c.Config.Secrets))
	for i, m := range c.Config.Secrets {
		b, err := os.ReadFile(filepath.Join(containerSecretsDir(userdata), strconv.Itoa(i)))
		if err != nil {
			logrus.Debugf("clone %s: secret %s: %v", c.Name, m.Name, err)
			return nil, fmt.Errorf("clone %s: its copy of secret %s: %w", c.Name, m.Name, err)
		}
		out[i] = b
	}
	return out, nil
}

// copyJSON makes dst a deep copy of src through their JSON form.
func copyJSON(dst, src any) error {
	b, err := json.Marshal(src)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, dst)
}

// clonePod moves a clone's configuration into the pod nameOrID (clone
// --pod): the namespaces the pod shares replace the clone's own, as a
// container created in the pod would have them. It returns the pod's ID.
func (r *Runtime) clonePod(ctx context.Context, cfg *ContainerConfig, nameOrID string) (string, error) {
	p, err := r.Pod(ctx, nameOrID)
	if err != nil {
		return "", err
	}
	if cfg.UsernsMode != "" || len(cfg.UIDMap) > 0 {
		return "", errdefs.NotImplementedf("clone --pod %s: a container with its own user namespace cannot join a pod", p.Name)
	}
	if p.InfraID != "" {
		if p.Shares("net") {
			cfg.NetworkMode = netModeCtrPfx + p.InfraID
			cfg.Networks, cfg.Ports = nil, nil
			cfg.DNS, cfg.DNSSearch, cfg.DNSOptions, cfg.AddHosts = nil, nil, nil, nil
		}
		if p.Shares("uts") {
			cfg.Hostname = p.Config.Hostname
		}
	}
	if p.Config.CgroupParent != "" {
		cfg.CgroupParent = p.Config.CgroupParent
	}
	return p.ID, nil
}
