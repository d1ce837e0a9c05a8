package netns

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// CreateWithUserNS makes a new user namespace with the given maps and a
// network namespace owned by it, bind-mounted on userPath and netPath, with
// the network namespace's loopback up.
//
// A container with a user namespace of its own cannot be given a network
// namespace made by Create: the runtime enters the user namespace before
// the others, and from inside it a network namespace of the host's (or of
// the rootless engine's) user namespace cannot be entered. Both the
// container's first process and every `exec` then fail. Joining this pair
// instead, the container's user namespace owns its network namespace, as
// if the runtime had made both. On error nothing is left behind.
func CreateWithUserNS(netPath, userPath string, uidMap, gidMap []specs.LinuxIDMapping) (err error) {
	for _, p := range []string{netPath, userPath} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("create namespace directory: %w", err)
		}
		if IsNamespace(p) {
			return errdefs.AlreadyExistsf("namespace %s already exists", p)
		}
	}
	cat, err := exec.LookPath("cat")
	if err != nil {
		return fmt.Errorf("hold a user namespace: %w", err)
	}
	// The holder is a process that waits on its stdin: the kernel creates
	// the user namespace first and the network namespace as its own.
	holder := exec.Command(cat)
	holder.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:                 unix.CLONE_NEWUSER | unix.CLONE_NEWNET,
		UidMappings:                sysMaps(uidMap),
		GidMappings:                sysMaps(gidMap),
		GidMappingsEnableSetgroups: true,
		Pdeathsig:                  syscall.SIGKILL,
	}
	stdin, err := holder.StdinPipe()
	if err != nil {
		return err
	}
	if err := holder.Start(); err != nil {
		stdin.Close()
		return fmt.Errorf("create a user namespace with the container's maps: %w", err)
	}
	defer func() {
		stdin.Close()
		_ = holder.Wait()
	}()
	defer func() {
		if err != nil {
			_ = Remove(netPath)
			_ = Remove(userPath)
		}
	}()
	for _, ns := range []struct{ kind, path string }{{"user", userPath}, {"net", netPath}} {
		if err := bindNS(fmt.Sprintf("/proc/%d/ns/%s", holder.Process.Pid, ns.kind), ns.path); err != nil {
			return err
		}
	}
	return Do(netPath, loopbackUp)
}

// bindNS keeps the namespace file src alive on a new file dst.
func bindNS(src, dst string) error {
	f, err := os.OpenFile(dst, os.O_RDONLY|os.O_CREATE, 0o444)
	if err != nil {
		return fmt.Errorf("create namespace file %s: %w", dst, err)
	}
	f.Close()
	if err := unix.Mount(src, dst, "none", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind %s on %s: %w", src, dst, err)
	}
	return nil
}

func sysMaps(maps []specs.LinuxIDMapping) []syscall.SysProcIDMap {
	out := make([]syscall.SysProcIDMap, 0, len(maps))
	for _, m := range maps {
		out = append(out, syscall.SysProcIDMap{ContainerID: int(m.ContainerID), HostID: int(m.HostID), Size: int(m.Size)})
	}
	return out
}
