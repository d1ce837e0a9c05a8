package engine

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/pod-engine/pod/pkg/oci"
)

// A container runs with the OCI runtime the command names (--runtime, else
// containers.conf's), unless `system migrate --new-runtime` recorded one
// in its configuration (OCIRuntime): then with that one, whatever a later
// command names, as podman's containers keep theirs.

// ociFor returns the OCI runtime of c.
func (r *Runtime) ociFor(c *Container) (*oci.Runtime, error) {
	if c == nil || c.Config == nil || c.Config.OCIRuntime == "" {
		return r.OCI()
	}
	name := c.Config.OCIRuntime
	r.ociMu.Lock()
	defer r.ociMu.Unlock()
	if rt, ok := r.ociNamed[name]; ok {
		return rt, nil
	}
	path, err := oci.Find(name)
	if err != nil {
		return nil, fmt.Errorf("OCI runtime %s of container %s: %w", name, c.Name, err)
	}
	if def, err := r.OCI(); err == nil && def.Path == path {
		return def, nil
	}
	rt := oci.New(path, r.podRunDir("runtime", filepath.Base(path)))
	rt.Flags = r.opts.RuntimeFlags
	rt.Env = r.runtimeEnv()
	if r.ociNamed == nil {
		r.ociNamed = map[string]*oci.Runtime{}
	}
	r.ociNamed[name] = rt
	return rt, nil
}

// ociName is the runtime name inspect shows for c.
func (r *Runtime) ociName(c *Container) string {
	if rt, err := r.ociFor(c); err == nil {
		return filepath.Base(rt.Path)
	}
	return ""
}

// SetContainersRuntime is `system migrate --new-runtime`: every container
// runs with runtime from now on. Running ones are stopped first (the
// runtime that started them must stop them); it returns their names.
func (r *Runtime) SetContainersRuntime(ctx context.Context, runtime string) ([]string, error) {
	path, err := oci.Find(runtime)
	if err != nil {
		return nil, invalidf("--new-runtime %s: %v", runtime, err)
	}
	cs, err := r.Containers(ctx)
	if err != nil {
		return nil, err
	}
	var stopped []string
	for _, c := range cs {
		c, l, err := r.getLocked(ctx, c.ID)
		if err != nil {
			continue // removed meanwhile
		}
		err = r.setRuntimeLocked(ctx, c, runtime, path, &stopped)
		l.Release()
		if err != nil {
			return stopped, err
		}
	}
	return stopped, nil
}

func (r *Runtime) setRuntimeLocked(ctx context.Context, c *Container, runtime, path string, stopped *[]string) error {
	if isActive(c.Status) {
		if err := r.stopLocked(ctx, c, nil, false); err != nil {
			return fmt.Errorf("migrate: stop %s: %w", c.Name, err)
		}
		*stopped = append(*stopped, c.Name)
	}
	if cur, err := r.ociFor(c); err == nil && cur.Path == path && c.Config.OCIRuntime != "" {
		return nil
	}
	c.Config.OCIRuntime = runtime
	if err := r.saveConfig(ctx, c); err != nil {
		return fmt.Errorf("migrate: record the runtime of %s: %w", c.Name, err)
	}
	return nil
}
