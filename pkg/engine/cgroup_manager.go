package engine

import (
	"context"
	"os"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/cgroups"
	"github.com/pod-engine/pod/pkg/rootless"
	"github.com/pod-engine/pod/pkg/scope"
)

// Cgroup managers (--cgroup-manager), podman's names.
const (
	cgroupManagerSystemd  = "systemd"
	cgroupManagerCgroupfs = "cgroupfs"
)

// cgroupManager is the manager new containers get: --cgroup-manager when
// given; else, as root, systemd where it is the init system and reachable
// over D-Bus, as podman chooses; else cgroupfs. Hosts without systemd (the
// build machines) get cgroupfs. A plain user gets cgroupfs when pod runs
// inside the subtree systemd delegates to the user (a unit of the user's
// manager, systemd-run --user): the runtime writes there itself. From a
// login session's scope (ssh, su -l) there is no such subtree, nothing the
// user may write above its own cgroup, so the user's systemd manager makes
// the scopes, as podman's rootless default: cgroupfs would put the
// container at the hierarchy's root, which the runtime may not create, and
// leave the monitor in the session, killed when it ends.
func (r *Runtime) cgroupManager() string {
	if m := r.opts.CgroupManager; m != "" {
		return m
	}
	if r.Rootless() {
		if cgroups.Detect() != cgroups.Unified {
			return cgroupManagerCgroupfs
		}
		if _, ok := cgroups.DelegatedRoot(); ok {
			return cgroupManagerCgroupfs
		}
	}
	if r.systemdBus().Reachable() {
		return cgroupManagerSystemd
	}
	return cgroupManagerCgroupfs
}

// systemdBus is the systemd manager of this engine's containers: the
// system's as root, the user's own rootless.
func (r *Runtime) systemdBus() scope.Bus {
	return scope.Bus{User: r.Rootless(), UID: rootless.UID()}
}

// runtimeEnv is the environment the OCI runtime runs in, nil for pod's
// own. Rootless, a container under the systemd manager has its scope in
// the user's manager: the runtime finds that over the user's bus, which it
// would look for in XDG_RUNTIME_DIR, and pod's may be another directory.
// Every later command (update, kill, delete) needs that bus too: without
// it crun asks the system's manager, which knows no such scope.
func (r *Runtime) runtimeEnv() []string {
	if !r.Rootless() || os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		return nil
	}
	return append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+r.systemdBus().Address())
}

// systemdSlice is the slice of cfg's scopes under the systemd manager:
// --cgroup-parent, else podman's defaults, machine.slice for root and the
// user manager's user.slice rootless.
func (r *Runtime) systemdSlice(cfg *ContainerConfig) string {
	if cfg.CgroupParent != "" {
		return cfg.CgroupParent
	}
	if r.Rootless() {
		return "user.slice"
	}
	return "machine.slice"
}

// monitorScope moves the monitor of c into a scope of its own beside the
// container's (podman's libpod-conmon-ID.scope), under the systemd
// manager, unless --cgroups no-conmon leaves it where pod runs. There it is
// no part of the login session or unit that ran pod, so systemd does not
// kill it (and with it the record of the container's exit) when that ends.
// A failure is a warning: the container runs either way.
//
// The monitor of a pod's infra container whose PID goes to an
// --infra-conmon-pidfile stays where pod runs too: that file is a unit's
// PIDFile= (generate systemd's pod unit), and systemd accepts a main PID
// outside the unit's cgroup only from a PID file owned by root, never a
// user's.
func (r *Runtime) monitorScope(ctx context.Context, c *Container) {
	cfg := c.Config
	if cfg.CgroupManager != cgroupManagerSystemd || cfg.Cgroups == "no-conmon" || cfg.Cgroups == "disabled" || c.MonitorPID <= 0 {
		return
	}
	if r.infraPIDFileWatched(ctx, c) {
		return
	}
	name := "pod-conmon-" + c.ID + ".scope"
	if err := r.systemdBus().Start(ctx, name, r.systemdSlice(cfg), c.MonitorPID); err != nil {
		// A short-lived container's monitor may be gone before systemd
		// gets to move it ("No PIDs left to attach"): nothing to warn of.
		if unix.Kill(c.MonitorPID, 0) == unix.ESRCH {
			return
		}
		logrus.Warnf("container %s: move its monitor to a systemd scope: %v", shortID(c.ID), err)
	}
}

// execScope moves pod itself, and with it the monitor and runtime it is
// about to start, into a scope of the user's manager before an exec into
// c. Rootless under the systemd manager the runtime joins the container's
// cgroup by writing its cgroup.procs, which cgroup v2 allows only with
// write access to the common ancestor of where the process is and where
// it goes: from a login session's scope that is user-UID.slice, root's,
// and crun before its AttachProcessesToUnit fallback fails with EACCES.
// Inside a scope of the user's manager (what `systemd-run --user --scope`
// gives, podman's advice) the ancestor is the user's; the user's manager
// asks the system's to move pod there. Inside the delegated subtree
// nothing needs to move. A failure is a warning: the exec may still work.
func (r *Runtime) execScope(ctx context.Context, c *Container, sessionID string) {
	cfg := c.Config
	if !r.Rootless() || cfg.CgroupManager != cgroupManagerSystemd || cfg.Cgroups == "disabled" {
		return
	}
	if _, ok := cgroups.DelegatedRoot(); ok {
		return
	}
	if err := r.systemdBus().Start(ctx, "pod-exec-"+sessionID+".scope", r.systemdSlice(cfg), os.Getpid()); err != nil {
		logrus.Warnf("exec in %s: move into a systemd scope of the user's manager: %v", shortID(c.ID), err)
	}
}
