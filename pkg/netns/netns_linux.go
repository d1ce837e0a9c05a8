// Package netns creates, enters and removes persistent network namespaces.
//
// A persistent namespace is an nsfs file bind-mounted on a regular file, as
// `ip netns add` does under /run/netns: the namespace lives as long as the
// mount, whether or not any process is in it, so a container's network can be
// set up before its process exists and torn down after it died.
//
// Every namespace switch happens on an OS thread locked to one goroutine. If
// the thread cannot be returned to its original namespace (rootless, a
// process may enter a namespace its user namespace owns but not go back to
// the host's), the goroutine exits while still locked, and the Go runtime
// ends that thread rather than reuse it for other goroutines.
package netns

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// Create makes a new network namespace, bind-mounted on path (whose
// directory is created), with its loopback interface up. It fails with
// errdefs.ErrAlreadyExists if path already holds a namespace. On error
// nothing is left behind.
func Create(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create netns directory: %w", err)
	}
	if IsNamespace(path) {
		return errdefs.AlreadyExistsf("network namespace %s already exists", path)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			// A file without a mount: left by a crash between create and mount.
			f, err = os.OpenFile(path, os.O_RDONLY, 0)
		}
		if err != nil {
			return fmt.Errorf("create netns file %s: %w", path, err)
		}
	}
	f.Close()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		restored, err := createOnThread(path)
		if restored {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	if err := <-errc; err != nil {
		_ = unix.Unmount(path, unix.MNT_DETACH)
		_ = os.Remove(path)
		return err
	}
	return nil
}

// createOnThread unshares the calling (locked) thread's network namespace,
// binds it on path, sets loopback up and returns the thread to where it was.
// restored reports whether the thread is back in its original namespace.
func createOnThread(path string) (restored bool, err error) {
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return true, fmt.Errorf("open current netns: %w", err)
	}
	defer orig.Close()
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		return true, fmt.Errorf("unshare network namespace: %w", err)
	}
	err = func() error {
		if err := unix.Mount("/proc/thread-self/ns/net", path, "none", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("bind netns on %s: %w", path, err)
		}
		return loopbackUp()
	}()
	// Rootless, the original namespace belongs to the host's user namespace
	// and cannot be entered again (EPERM): the thread is then thrown away.
	if serr := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); serr != nil {
		return false, err
	}
	return true, err
}

// loopbackUp sets IFF_UP on lo in the current thread's namespace.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("loopback up: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("loopback flags: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("loopback up: %w", err)
	}
	return nil
}

// Remove unmounts and deletes the namespace file at path. A path that does
// not exist, or is not mounted, is not an error: Remove repairs what a crash
// left behind.
func Remove(path string) error {
	if err := unix.Unmount(path, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("unmount netns %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove netns %s: %w", path, err)
	}
	return nil
}

// IsNamespace reports whether path is a network namespace (an nsfs file).
func IsNamespace(path string) bool {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return false
	}
	return st.Type == unix.NSFS_MAGIC
}

// Do runs fn on a locked OS thread inside the network namespace at path and
// returns fn's error. Processes fn starts (os/exec) inherit the namespace.
func Do(path string, fn func() error) error {
	ns, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open netns: %w", err)
	}
	defer ns.Close()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("open current netns: %w", err)
			return
		}
		defer orig.Close()
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("enter netns %s: %w", path, err)
			return
		}
		ferr := fn()
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			// Rootless, the host's namespace cannot be entered again. The
			// thread stays locked and dies with this goroutine.
			errc <- ferr
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}
