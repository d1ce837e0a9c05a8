package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/lock"
	"github.com/pod-engine/pod/pkg/netns"
	"github.com/pod-engine/pod/pkg/slirp"
)

// A rootless user cannot put bridges and firewall rules in the host's
// network namespace. As podman does, rootless bridge networks live in a
// namespace of the user's, RUNROOT/netns/rootless-netns, whose way out is
// one slirp4netns; the CNI plugins and the name servers run inside it, and
// each container's published ports are forwarded into it, to the
// container's address, by the rootlesskit port driver. It is made by the
// first container that needs it and removed with the last one.

func (r *Runtime) rootlessNetNS() string {
	return filepath.Join(r.storeOpts.RunRoot, "netns", "rootless-netns")
}

func (r *Runtime) rootlessNetSlirpDir() string {
	return filepath.Join(r.storeOpts.RunRoot, "networks", "slirp", "rootless-netns")
}

// lockRootlessNet serialises the making, use and removal of the rootless
// network namespace. Not re-entrant: never call teardownNetwork holding it.
func (r *Runtime) lockRootlessNet(ctx context.Context) (*lock.Lock, error) {
	return lock.Acquire(ctx, filepath.Join(r.storeOpts.RunRoot, "networks", "rootless-netns.lock"))
}

// ensureRootlessNetNS makes the namespace and its slirp4netns if they are
// not there (or the slirp4netns died). The caller holds lockRootlessNet.
func (r *Runtime) ensureRootlessNetNS(ctx context.Context) error {
	path, dir := r.rootlessNetNS(), r.rootlessNetSlirpDir()
	if netns.IsNamespace(path) && slirp.Running(dir) {
		return nil
	}
	if err := slirp.Stop(ctx, dir); err != nil {
		return err
	}
	if !netns.IsNamespace(path) {
		if err := netns.Create(path); err != nil {
			return err
		}
	}
	if err := slirp.Start(ctx, dir, slirp.Config{NetNS: path, Binary: r.opts.NetworkCmdPath}); err != nil {
		netns.Remove(path)
		return err
	}
	return nil
}

// releaseRootlessNetNS removes the namespace when no container's run uses
// a bridge network any more. The caller holds lockRootlessNet.
func (r *Runtime) releaseRootlessNetNS(ctx context.Context) error {
	entries, _ := os.ReadDir(r.podRunDir("net"))
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok {
			continue
		}
		if nr, err := r.readNetRun(id); err == nil && nr.Mode == netModeBridge {
			return nil
		}
	}
	if err := slirp.Stop(ctx, r.rootlessNetSlirpDir()); err != nil {
		return err
	}
	return netns.Remove(r.rootlessNetNS())
}

// RootlessNetNS is the path of the rootless network namespace, for unshare
// --rootless-netns to join: where the rootless bridges are, and the
// containers on them answer at their addresses. It exists while a
// container runs on a bridge network; otherwise the error wraps
// errdefs.ErrNotFound.
func (r *Runtime) RootlessNetNS() (string, error) {
	path := r.rootlessNetNS()
	if !netns.IsNamespace(path) {
		return "", errdefs.NotFoundf("no rootless network namespace: there is one while a container runs on a bridge network")
	}
	return path, nil
}
