package engine

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	cstorage "github.com/containers/storage"
	"github.com/containers/storage/pkg/idtools"
	stypes "github.com/containers/storage/types"
	securejoin "github.com/cyphar/filepath-securejoin"
	sysuser "github.com/moby/sys/user"
	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pod-engine/pod/pkg/idmap"
)

// storageOptions are the options of the container's storage: its ID
// mappings, so that storage gives it a root filesystem whose files belong
// to the container's IDs (an ID-mapped mount, or a copy of the image's top
// layer chowned to them), or, for auto, a free range storage allocates
// among the containers it holds.
func storageOptions(cfg *ContainerConfig) (*cstorage.ContainerOptions, error) {
	o := &cstorage.ContainerOptions{}
	if strings.HasPrefix(cfg.UsernsMode, string(idmap.Auto)) {
		mode, err := idmap.ParseMode(cfg.UsernsMode)
		if err != nil {
			return nil, err
		}
		o.IDMappingOptions = stypes.IDMappingOptions{AutoUserNs: true, AutoUserNsOpts: stypes.AutoUserNsOptions{Size: mode.Size}}
		return o, nil
	}
	if len(cfg.UIDMap) > 0 {
		o.IDMappingOptions = stypes.IDMappingOptions{UIDMap: toStorage(cfg.UIDMap), GIDMap: toStorage(cfg.GIDMap)}
	}
	return o, nil
}

func toStorage(maps []specs.LinuxIDMapping) []idtools.IDMap {
	out := make([]idtools.IDMap, 0, len(maps))
	for _, m := range maps {
		out = append(out, idtools.IDMap{ContainerID: int(m.ContainerID), HostID: int(m.HostID), Size: int(m.Size)})
	}
	return out
}

func fromStorage(maps []idtools.IDMap) []specs.LinuxIDMapping {
	out := make([]specs.LinuxIDMapping, 0, len(maps))
	for _, m := range maps {
		out = append(out, specs.LinuxIDMapping{ContainerID: uint32(m.ContainerID), HostID: uint32(m.HostID), Size: uint32(m.Size)})
	}
	return out
}

// keepIDFiles writes the container's /etc/passwd and /etc/group for
// keep-id into dir: the image's, plus an entry for the user unless the
// image has one for its ID already. The image's files are read without
// leaving rootfs; the image layer is not changed (the copies are bound
// over the originals). It returns container path -> host file, empty when
// nothing needs adding.
func keepIDFiles(dir, rootfs string, ku *KeepIDUser) (map[string]string, error) {
	files := map[string]string{}
	for _, f := range []struct {
		path, line string
		id         uint32
		has        func([]byte, uint32) bool
	}{
		{"/etc/passwd", fmt.Sprintf("%s:*:%d:%d:%s:%s:/bin/sh\n", ku.Name, ku.UID, ku.GID, ku.Name, ku.Home), ku.UID, hasUID},
		{"/etc/group", fmt.Sprintf("%s:x:%d:%s\n", ku.Group, ku.GID, ku.Name), ku.GID, hasGID},
	} {
		old, err := readInRoot(rootfs, f.path)
		if err != nil {
			return nil, err
		}
		if f.has(old, f.id) {
			continue
		}
		if len(old) > 0 && !bytes.HasSuffix(old, []byte("\n")) {
			old = append(old, '\n')
		}
		p := filepath.Join(dir, filepath.Base(f.path))
		if err := os.WriteFile(p, append(old, f.line...), 0o644); err != nil {
			return nil, fmt.Errorf("write %s: %w", p, err)
		}
		files[f.path] = p
	}
	return files, nil
}

// readInRoot reads path inside root as if root were "/"; a missing file
// reads as empty.
func readInRoot(root, path string) ([]byte, error) {
	h, err := securejoin.OpenInRoot(root, path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open %s in the container: %w", path, err)
	}
	defer h.Close()
	f, err := securejoin.Reopen(h, os.O_RDONLY)
	if err != nil {
		return nil, fmt.Errorf("open %s in the container: %w", path, err)
	}
	defer f.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(f); err != nil {
		return nil, fmt.Errorf("read %s in the container: %w", path, err)
	}
	return b.Bytes(), nil
}

// hasUID and hasGID report whether a passwd or group file has an entry
// with the ID. The parser reads an ID that is not a number (or a comment
// line) as 0; that only matters for ID 0, which every image has anyway.
func hasUID(file []byte, id uint32) bool {
	found, _ := sysuser.ParsePasswdFilter(bytes.NewReader(file), func(u sysuser.User) bool { return u.Uid == int(id) })
	return len(found) > 0
}

func hasGID(file []byte, id uint32) bool {
	found, _ := sysuser.ParseGroupFilter(bytes.NewReader(file), func(g sysuser.Group) bool { return g.Gid == int(id) })
	return len(found) > 0
}

// makeTraversable gives every directory above path search permission for
// group and others where it lacks it, as podman does: the runtime mounts
// a container's root filesystem from inside the container's user
// namespace, as the container's root, which is neither the owner of pod's
// directories nor in their group. Directories pod may not change (another
// user's) are an error saying which one to fix.
func makeTraversable(path string) error {
	for dir := filepath.Dir(path); ; dir = filepath.Dir(dir) {
		st, err := os.Stat(dir)
		if err != nil {
			return fmt.Errorf("stat %s: %w", dir, err)
		}
		if perm := st.Mode().Perm(); perm&0o011 != 0o011 {
			if err := os.Chmod(dir, perm|0o011); err != nil {
				return fmt.Errorf("a container with a user namespace needs search permission (o+x) on %s: %w", dir, err)
			}
		}
		if dir == "/" || dir == "." {
			return nil
		}
	}
}

// chownToContainerRoot gives the container's /etc files to its root, as
// podman does: in a user namespace of its own, pod's root is nobody there,
// and the container's root could not edit its /etc/hosts.
func chownToContainerRoot(cfg *ContainerConfig, files map[string]string) error {
	if len(cfg.UIDMap) == 0 {
		return nil
	}
	uid, uok := idmap.ToHost(cfg.UIDMap, 0)
	gid, gok := idmap.ToHost(cfg.GIDMap, 0)
	if !uok || !gok {
		return nil // no root inside: the files stay pod's, read-only there
	}
	for _, p := range files {
		if err := os.Chown(p, int(uid), int(gid)); err != nil {
			return fmt.Errorf("give %s to the container's root: %w", p, err)
		}
	}
	return nil
}

// ownerInUserNS maps the owner of a file copied into a container with a
// user namespace of its own to the IDs it has in pod's namespace, so that
// the container sees the owner it should (root for a plain copy); an ID
// the container lacks becomes its root. Nil without such a namespace.
func ownerInUserNS(cfg *ContainerConfig) func(uid, gid int) (int, int) {
	if len(cfg.UIDMap) == 0 {
		return nil
	}
	return func(uid, gid int) (int, int) {
		return hostID(cfg.UIDMap, uid), hostID(cfg.GIDMap, gid)
	}
}

func hostID(maps []specs.LinuxIDMapping, id int) int {
	if id >= 0 {
		if h, ok := idmap.ToHost(maps, uint32(id)); ok {
			return int(h)
		}
	}
	h, _ := idmap.ToHost(maps, 0)
	return int(h)
}
