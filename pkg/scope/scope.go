// Package scope puts processes into transient systemd scopes over D-Bus:
// the system manager's for root, the user's own manager (user@UID.service)
// for a plain user. A process in a scope of its own is no longer part of
// the login session or service that started it, so systemd does not kill
// it when that ends, and its cgroup is where systemd expects it.
//
// It is what the systemd cgroup manager (`--cgroup-manager systemd`) uses
// for pod's own processes (the container's monitor, the rootless pause
// process); the containers' scopes are made by the OCI runtime
// (`--systemd-cgroup`).
package scope

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	sd "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"
)

// Bus says which systemd manager to talk to.
type Bus struct {
	// User selects the user's manager (on the session bus) instead of
	// the system's.
	User bool
	// UID is the user's ID on the host. A rootless pod runs in a user
	// namespace where it is root, so its own getuid is not the one the
	// bus must be told.
	UID int
}

// startTimeout bounds the wait for systemd to start a scope: a hung bus
// must not hang the command.
const startTimeout = 30 * time.Second

// SystemdRunning reports whether systemd is the init system (sd_booted).
func SystemdRunning() bool {
	_, err := os.Stat("/run/systemd/system")
	return err == nil
}

// Reachable reports whether b's manager can be talked to: systemd runs and
// the bus socket exists. It dials nothing, so it costs a stat or two.
func (b Bus) Reachable() bool {
	if !SystemdRunning() {
		return false
	}
	if !b.User {
		return exists("/run/dbus/system_bus_socket") || exists("/run/systemd/private")
	}
	addr := b.Address()
	p, ok := strings.CutPrefix(addr, "unix:path=")
	if !ok {
		return addr != ""
	}
	if i := strings.IndexByte(p, ','); i >= 0 {
		p = p[:i]
	}
	return exists(p)
}

// Address is the session bus of the user: DBUS_SESSION_BUS_ADDRESS
// when set, else the socket systemd's user manager makes in the user's
// runtime directory: $XDG_RUNTIME_DIR/bus, or /run/user/UID/bus when pod
// was given a runtime directory of its own.
func (b Bus) Address() string {
	if !b.User {
		return "unix:path=/run/dbus/system_bus_socket"
	}
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" {
		return a
	}
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" && exists(filepath.Join(dir, "bus")) {
		return "unix:path=" + filepath.Join(dir, "bus")
	}
	return "unix:path=" + filepath.Join("/run/user", strconv.Itoa(b.UID), "bus")
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// connect opens a connection to b's manager.
func (b Bus) connect(ctx context.Context) (*sd.Conn, error) {
	if !b.User {
		return sd.NewWithContext(ctx)
	}
	return sd.NewConnection(func() (*dbus.Conn, error) {
		conn, err := dbus.Dial(b.Address(), dbus.WithContext(ctx))
		if err != nil {
			return nil, err
		}
		// EXTERNAL with the user's host UID: the bus checks it against
		// the peer credentials, which the kernel gives in host IDs.
		if err := conn.Auth([]dbus.Auth{dbus.AuthExternal(strconv.Itoa(b.UID))}); err != nil {
			conn.Close()
			return nil, err
		}
		if err := conn.Hello(); err != nil {
			conn.Close()
			return nil, err
		}
		return conn, nil
	})
}

// Start makes the transient scope name (NAME.scope) in slice and moves
// pids into it. The scope goes away by itself when its processes have
// exited.
func (b Bus) Start(ctx context.Context, name, slice string, pids ...int) error {
	if !strings.HasSuffix(name, ".scope") {
		return fmt.Errorf("scope name %q does not end in .scope", name)
	}
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	conn, err := b.connect(ctx)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", b.manager(), err)
	}
	defer conn.Close()
	ps := make([]uint32, len(pids))
	for i, p := range pids {
		ps[i] = uint32(p)
	}
	props := []sd.Property{
		sd.PropSlice(slice),
		sd.PropPids(ps...),
		// Not ordered against shutdown.target by default dependencies:
		// the processes are stopped with their containers, not first.
		{Name: "DefaultDependencies", Value: dbus.MakeVariant(false)},
		// Collected even when a process in it failed, so the name can
		// be used again by the next run.
		{Name: "CollectMode", Value: dbus.MakeVariant("inactive-or-failed")},
	}
	done := make(chan string, 1)
	if _, err := conn.StartTransientUnitContext(ctx, name, "fail", props, done); err != nil {
		return fmt.Errorf("start %s in %s: %w", name, slice, err)
	}
	select {
	case res := <-done:
		if res != "done" {
			return fmt.Errorf("start %s in %s: systemd says %s", name, slice, res)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("start %s in %s: %w", name, slice, errors.Join(ctx.Err(), errors.New("no answer from systemd")))
	}
}

func (b Bus) manager() string {
	if b.User {
		return "the user's systemd (" + b.Address() + ")"
	}
	return "systemd"
}

// StartSlice makes the transient slice name (NAME.slice, its parent slice
// following from the dashes of its name) with props, its resource
// properties. A slice that exists already is no error: its properties are
// set anew.
func (b Bus) StartSlice(ctx context.Context, name string, props []sd.Property) error {
	if !strings.HasSuffix(name, ".slice") {
		return fmt.Errorf("slice name %q does not end in .slice", name)
	}
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	conn, err := b.connect(ctx)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", b.manager(), err)
	}
	defer conn.Close()
	all := append([]sd.Property{
		{Name: "DefaultDependencies", Value: dbus.MakeVariant(false)},
		{Name: "Description", Value: dbus.MakeVariant("pod " + name)},
	}, props...)
	done := make(chan string, 1)
	if _, err := conn.StartTransientUnitContext(ctx, name, "replace", all, done); err != nil {
		if dbusErrorName(err) == "org.freedesktop.systemd1.UnitExists" {
			if err := conn.SetUnitPropertiesContext(ctx, name, true, props...); err != nil {
				return fmt.Errorf("set the limits of %s: %w", name, err)
			}
			return nil
		}
		return fmt.Errorf("start %s: %w", name, err)
	}
	select {
	case res := <-done:
		if res != "done" {
			return fmt.Errorf("start %s: systemd says %s", name, res)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("start %s: %w", name, errors.Join(ctx.Err(), errors.New("no answer from systemd")))
	}
}

// StopUnit stops the unit name (a slice: its cgroup goes with it). A unit
// that is not loaded is no error.
func (b Bus) StopUnit(ctx context.Context, name string) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	conn, err := b.connect(ctx)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", b.manager(), err)
	}
	defer conn.Close()
	done := make(chan string, 1)
	if _, err := conn.StopUnitContext(ctx, name, "replace", done); err != nil {
		if dbusErrorName(err) == "org.freedesktop.systemd1.NoSuchUnit" {
			return nil
		}
		return fmt.Errorf("stop %s: %w", name, err)
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop %s: %w", name, errors.Join(ctx.Err(), errors.New("no answer from systemd")))
	}
}

// dbusErrorName is the D-Bus name of err, "" for another error.
func dbusErrorName(err error) string {
	var de dbus.Error
	if errors.As(err, &de) {
		return de.Name
	}
	var dp *dbus.Error
	if errors.As(err, &dp) {
		return dp.Name
	}
	return ""
}
