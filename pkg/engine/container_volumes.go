package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/docker/go-units"
	"github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/state"
	"github.com/pod-engine/pod/pkg/volume"
)

// Mount types of MountConfig.Type.
const (
	mountBind   = "bind"
	mountTmpfs  = "tmpfs"
	mountVolume = "volume" // Source is a volume name; "" until Create makes an anonymous one
)

var propagations = []string{"private", "rprivate", "shared", "rshared", "slave", "rslave"}

// parseVolume reads one -v: HOST-PATH:DST[:OPTS] (a bind), NAME:DST[:OPTS]
// (a named volume, made on first use) or DST[:OPTS] (an anonymous volume).
// OPTS are ro|rw, z|Z (SELinux labels: nothing to do without SELinux), U
// (chown the source to the container's user), nocopy|copy, a propagation,
// and nosuid, nodev, noexec and their opposites.
func parseVolume(spec string) (MountConfig, error) {
	parts := strings.Split(spec, ":")
	var src, dst, opts string
	switch len(parts) {
	case 1:
		dst = parts[0]
	case 2:
		// "/dst:ro" is an anonymous volume with options, "src:/dst" a mount.
		if strings.HasPrefix(parts[1], "/") {
			src, dst = parts[0], parts[1]
		} else {
			dst, opts = parts[0], parts[1]
		}
	case 3:
		src, dst, opts = parts[0], parts[1], parts[2]
	default:
		return MountConfig{}, invalidf("invalid volume specification %q: use [SRC:]DST[:OPTIONS]", spec)
	}
	if dst == "" || (len(parts) > 1 && parts[0] == "") {
		return MountConfig{}, invalidf("invalid volume specification %q: empty source or destination", spec)
	}
	if !filepath.IsAbs(dst) {
		return MountConfig{}, invalidf("invalid volume specification %q: destination %q is not an absolute path", spec, dst)
	}
	m := MountConfig{Destination: filepath.Clean(dst)}
	switch {
	case src == "":
		m.Type = mountVolume
	case strings.HasPrefix(src, "/") || strings.HasPrefix(src, "."):
		abs, err := filepath.Abs(src)
		if err != nil {
			return MountConfig{}, invalidf("volume %q: %v", spec, err)
		}
		if _, err := os.Stat(abs); err != nil {
			return MountConfig{}, invalidf("volume %q: source %s: %v", spec, abs, unwrapPathError(err))
		}
		m.Type, m.Source = mountBind, abs
	default:
		if err := volume.ValidateName(src); err != nil {
			return MountConfig{}, invalidf("volume %q: %v", spec, err)
		}
		m.Type, m.Source = mountVolume, src
	}
	if err := applyMountOptions(&m, spec, splitOpts(opts)); err != nil {
		return MountConfig{}, err
	}
	return m, nil
}

func splitOpts(s string) []string {
	var out []string
	for _, o := range strings.Split(s, ",") {
		if o != "" {
			out = append(out, o)
		}
	}
	return out
}

// applyMountOptions checks -v options and records them: ro or rw first in
// Options, then the others.
func applyMountOptions(m *MountConfig, spec string, opts []string) error {
	mode := ""
	var rest []string
	for _, o := range opts {
		switch {
		case o == "ro" || o == "rw":
			if mode != "" {
				return invalidf("invalid volume specification %q: ro and rw given twice", spec)
			}
			mode = o
		case o == "z" || o == "Z":
			// SELinux relabelling: nothing to do on a host without SELinux.
		case o == "U":
			m.Chown = true
		case o == "nocopy":
			if m.Type != mountVolume {
				return invalidf("invalid volume specification %q: nocopy applies to volumes only", spec)
			}
			m.NoCopy = true
		case o == "copy":
			m.NoCopy = false
		case slices.Contains(propagations, o):
			rest = append(rest, o)
		case o == "nosuid" || o == "suid" || o == "nodev" || o == "dev" || o == "noexec" || o == "exec":
			rest = append(rest, o)
		default:
			return invalidf("invalid volume specification %q: unknown option %q", spec, o)
		}
	}
	if mode == "" {
		mode = "rw"
	}
	m.Options = append([]string{mode}, rest...)
	return nil
}

// parseMountFlag reads one --mount: comma-separated KEY[=VALUE] fields,
// Docker's and podman's: type=bind|volume|tmpfs (default volume),
// source|src, destination|dst|target, readonly|ro[=BOOL],
// bind-propagation, bind-nonrecursive, volume-nocopy, tmpfs-size,
// tmpfs-mode, U|chown, relabel and consistency (accepted, no effect here).
func parseMountFlag(spec string) (MountConfig, error) {
	m := MountConfig{Type: mountVolume}
	var opts []string
	ro := false
	for _, field := range strings.Split(spec, ",") {
		if field == "" {
			continue
		}
		k, v, hasV := strings.Cut(field, "=")
		boolVal := func() (bool, error) {
			if !hasV {
				return true, nil
			}
			b, err := strconv.ParseBool(v)
			if err != nil {
				return false, invalidf("invalid --mount %q: %s takes true or false", spec, k)
			}
			return b, nil
		}
		var err error
		switch strings.ToLower(k) {
		case "type":
			m.Type = v
		case "source", "src":
			m.Source = v
		case "destination", "dst", "target":
			m.Destination = v
		case "readonly", "ro":
			ro, err = boolVal()
		case "rw":
			var rw bool
			rw, err = boolVal()
			ro = !rw
		case "bind-propagation":
			if !slices.Contains(propagations, v) {
				return MountConfig{}, invalidf("invalid --mount %q: bind-propagation must be one of %s", spec, strings.Join(propagations, ", "))
			}
			opts = append(opts, v)
		case "bind-nonrecursive":
			var b bool
			if b, err = boolVal(); b {
				m.NonRecursive = true
			}
		case "volume-nocopy":
			m.NoCopy, err = boolVal()
		case "nocopy":
			m.NoCopy = true
		case "u", "chown":
			m.Chown, err = boolVal()
		case "tmpfs-size", "size":
			n, perr := units.RAMInBytes(v)
			if perr != nil || n <= 0 {
				return MountConfig{}, invalidf("invalid --mount %q: bad tmpfs-size %q", spec, v)
			}
			opts = append(opts, "size="+strconv.FormatInt(n, 10))
		case "tmpfs-mode", "mode":
			if _, perr := strconv.ParseUint(v, 8, 32); perr != nil {
				return MountConfig{}, invalidf("invalid --mount %q: tmpfs-mode must be octal", spec)
			}
			opts = append(opts, "mode="+v)
		case "relabel", "consistency", "z", "Z":
		case "volume-opt", "volume-driver", "volume-label":
			return MountConfig{}, invalidf("invalid --mount %q: %s is not supported: create the volume with pod volume create first", spec, k)
		default:
			return MountConfig{}, invalidf("invalid --mount %q: unknown field %q", spec, k)
		}
		if err != nil {
			return MountConfig{}, err
		}
	}
	if m.Destination == "" || !filepath.IsAbs(m.Destination) {
		return MountConfig{}, invalidf("invalid --mount %q: an absolute destination (dst=) is required", spec)
	}
	m.Destination = filepath.Clean(m.Destination)
	mode := "rw"
	if ro {
		mode = "ro"
	}
	switch m.Type {
	case mountBind:
		if m.Source == "" {
			return MountConfig{}, invalidf("invalid --mount %q: a bind mount needs src=", spec)
		}
		abs, err := filepath.Abs(m.Source)
		if err != nil {
			return MountConfig{}, invalidf("invalid --mount %q: %v", spec, err)
		}
		if _, err := os.Stat(abs); err != nil {
			return MountConfig{}, invalidf("invalid --mount %q: source %s: %v", spec, abs, unwrapPathError(err))
		}
		m.Source = abs
	case mountVolume:
		if m.Source != "" {
			if err := volume.ValidateName(m.Source); err != nil {
				return MountConfig{}, invalidf("invalid --mount %q: %v", spec, err)
			}
		}
	case mountTmpfs:
		if m.Source != "" {
			return MountConfig{}, invalidf("invalid --mount %q: a tmpfs has no source", spec)
		}
		m.Source = "tmpfs"
	default:
		return MountConfig{}, invalidf("invalid --mount %q: type must be bind, volume or tmpfs", spec)
	}
	if m.Type != mountVolume && m.NoCopy {
		return MountConfig{}, invalidf("invalid --mount %q: volume-nocopy applies to volumes only", spec)
	}
	if m.Type != mountBind && m.NonRecursive {
		return MountConfig{}, invalidf("invalid --mount %q: bind-nonrecursive applies to binds only", spec)
	}
	m.Options = append([]string{mode}, opts...)
	return m, nil
}

// volumesFrom copies the bind and volume mounts of the containers named in
// --volumes-from CTR[:ro|rw] (the mode, when given, overrides theirs).
// Mounts whose destination the container already has are skipped, as in
// Docker: the container's own -v and --mount win.
func (r *Runtime) volumesFrom(ctx context.Context, specs []string, have []MountConfig) ([]MountConfig, error) {
	var out []MountConfig
	taken := map[string]bool{}
	for _, m := range have {
		taken[m.Destination] = true
	}
	for _, s := range specs {
		name, mode, _ := strings.Cut(s, ":")
		if mode != "" && mode != "ro" && mode != "rw" && mode != "z" && mode != "Z" {
			return nil, invalidf("invalid --volumes-from %q: the mode must be ro or rw", s)
		}
		src, err := r.get(ctx, name)
		if err != nil {
			return nil, err
		}
		for _, m := range src.Config.Mounts {
			if m.Type == mountTmpfs || taken[m.Destination] {
				continue
			}
			m.Options = slices.Clone(m.Options)
			if mode == "ro" || mode == "rw" {
				m.Options = slices.DeleteFunc(m.Options, func(o string) bool { return o == "ro" || o == "rw" })
				m.Options = append([]string{mode}, m.Options...)
			}
			// The volume belongs to the source container: copying up
			// again or chowning it for this one is not this one's job.
			m.Chown = false
			taken[m.Destination] = true
			out = append(out, m)
		}
	}
	return out, nil
}

// imageVolumes are anonymous volumes for the image's VOLUME entries that
// no mount of the container covers already.
func imageVolumes(vols map[string]struct{}, have []MountConfig) []MountConfig {
	var dsts []string
	for d := range vols {
		dsts = append(dsts, filepath.Clean(d))
	}
	sort.Strings(dsts)
	var out []MountConfig
	for _, d := range dsts {
		if !filepath.IsAbs(d) || slices.ContainsFunc(have, func(m MountConfig) bool { return m.Destination == d }) ||
			slices.ContainsFunc(out, func(m MountConfig) bool { return m.Destination == d }) {
			continue
		}
		out = append(out, MountConfig{Type: mountVolume, Destination: d, Options: []string{"rw"}})
	}
	return out
}

// volumePlan is what Create records about volumes with the container's
// row, in the same transaction.
type volumePlan struct {
	uses   []string        // every volume the container mounts
	create []*state.Volume // the ones to make: their directories exist, their rows not yet
	// release removes the directories of create unless done is true, then
	// releases the volume lock (held from the first directory made until
	// the transaction ended, so that no other process sees or sweeps a
	// directory without its row meanwhile).
	release func(done bool)
}

// planVolumes names cfg's anonymous volumes (recording them in anon, so
// that a second plan of the same config keeps them anonymous) and makes the
// directories of the volumes that do not exist yet: anonymous ones, and
// named ones made on first use as podman does.
func (r *Runtime) planVolumes(ctx context.Context, cfg *ContainerConfig, anon map[string]bool) (*volumePlan, error) {
	p := &volumePlan{release: func(bool) {}}
	var missing []*volume.Volume
	for i := range cfg.Mounts {
		m := &cfg.Mounts[i]
		if m.Type != mountVolume {
			continue
		}
		if m.Source == "" {
			m.Source = volume.NewName()
			anon[m.Source] = true
		}
		if slices.Contains(p.uses, m.Source) {
			continue
		}
		p.uses = append(p.uses, m.Source)
		if !anon[m.Source] {
			if _, err := r.db.Volume(ctx, m.Source); err == nil {
				continue
			} else if !errors.Is(err, errdefs.ErrNotFound) {
				return nil, err
			}
		}
		v, err := volume.New(volume.CreateOptions{Name: m.Source, Anonymous: anon[m.Source]})
		if err != nil {
			return nil, err
		}
		missing = append(missing, v)
	}
	if len(missing) == 0 {
		return p, nil
	}
	vs := r.volumes()
	l, err := vs.Lock(ctx)
	if err != nil {
		return nil, err
	}
	var made []string
	p.release = func(done bool) {
		if !done {
			for _, n := range made {
				if err := vs.RemoveDir(n); err != nil {
					logrus.Warnf("undo create of volume %s: %v", n, err)
				}
			}
		}
		l.Release()
	}
	for _, v := range missing {
		// Under the lock: another create may have made it meanwhile.
		if !v.Anonymous {
			if _, err := r.db.Volume(ctx, v.Name); err == nil {
				continue
			} else if !errors.Is(err, errdefs.ErrNotFound) {
				p.release(false)
				return nil, err
			}
		}
		if err := vs.MakeDir(v); err != nil {
			p.release(false)
			return nil, err
		}
		made = append(made, v.Name)
		p.create = append(p.create, volumeRow(v))
	}
	crashPoint(faultVolumeDir)
	return p, nil
}

// removeVolumesMade removes, after a failed create, the volumes it made
// that no container uses (another create may have started to use a named
// one meanwhile: that one stays).
func (r *Runtime) removeVolumesMade(ctx context.Context, made []*state.Volume) {
	for _, v := range made {
		err := r.deleteVolume(context.WithoutCancel(ctx), v.Name)
		if err != nil && !errors.Is(err, errdefs.ErrConflict) && !errors.Is(err, errdefs.ErrNotFound) {
			logrus.Warnf("undo create of volume %s: %v", v.Name, err)
		}
	}
}

// mountVolumes prepares c's volumes for a start: mounts the filesystems of
// volumes created with a type, fills a new volume from the image's content
// at its destination (Docker's copy-up), chowns sources marked U. It
// returns each volume's host path by name; on failure it releases what it
// mounted.
func (r *Runtime) mountVolumes(ctx context.Context, c *Container, rootfs string, uid, gid int) (paths map[string]string, err error) {
	vs := r.volumes()
	paths = map[string]string{}
	defer func() {
		if err != nil {
			r.unmountVolumes(ctx, c)
		}
	}()
	for _, m := range c.Config.Mounts {
		switch m.Type {
		case mountVolume:
			v, err := r.db.Volume(ctx, m.Source)
			if err == nil {
				paths[m.Source], err = vs.Mount(ctx, volumeRecord(v), c.ID)
			}
			if err != nil {
				if errors.Is(err, errdefs.ErrNotFound) {
					return nil, fmt.Errorf("container %s: volume %s was removed: %w", shortID(c.ID), m.Source, err)
				}
				return nil, err
			}
			p := paths[m.Source]
			err = r.firstUse(ctx, m.Source, func(path string) error {
				if !m.NoCopy {
					if err := copyUp(rootfs, m.Destination, path); err != nil {
						return err
					}
				}
				return giveToUserNS(path, c.Config, uid, gid)
			})
			if err != nil {
				return nil, fmt.Errorf("volume %s: %w", m.Source, err)
			}
			if m.Chown {
				if err := chownTree(p, uid, gid); err != nil {
					return nil, fmt.Errorf("volume %s: %w", m.Source, err)
				}
			}
		case mountBind:
			if m.Chown {
				if err := chownTree(m.Source, uid, gid); err != nil {
					return nil, err
				}
			}
		}
	}
	return paths, nil
}

// firstUse runs fill on the volume's data directory if the volume was never
// used, then records that it was, so that later containers never copy image
// content into it. Containers starting at once with one new volume fill it
// once: fill runs under the volume lock. A failed fill leaves the volume
// unused.
func (r *Runtime) firstUse(ctx context.Context, name string, fill func(path string) error) error {
	vs := r.volumes()
	l, err := vs.Lock(ctx)
	if err != nil {
		return err
	}
	defer l.Release()
	v, err := r.db.Volume(ctx, name)
	if err != nil {
		return err
	}
	if !v.NeedsCopyUp {
		return nil
	}
	if err := fill(vs.Path(name)); err != nil {
		return err
	}
	return r.db.MarkVolumeUsed(ctx, name)
}

// giveToUserNS gives a new volume's directory, when it belongs to an ID
// the container's user namespace lacks (pod's root), to the container's
// user (uid, gid: as pod's namespace has them), as podman does: else the
// container could not write to its own new volume.
func giveToUserNS(path string, cfg *ContainerConfig, uid, gid int) error {
	if len(cfg.UIDMap) == 0 {
		return nil
	}
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok || (inMaps(cfg.UIDMap, sys.Uid) && inMaps(cfg.GIDMap, sys.Gid)) {
		return nil
	}
	if err := os.Chown(path, uid, gid); err != nil {
		return fmt.Errorf("give the volume to the container's user namespace: %w", err)
	}
	return nil
}

// inMaps reports whether pod's ID id appears in the container under maps.
func inMaps(maps []specs.LinuxIDMapping, id uint32) bool {
	for _, m := range maps {
		if id >= m.HostID && uint64(id) < uint64(m.HostID)+uint64(m.Size) {
			return true
		}
	}
	return false
}

// copyUp copies the image's content at dst into the volume at path when
// the volume is empty and the image has a directory there.
func copyUp(rootfs, dst, path string) error {
	src, err := securejoin.SecureJoin(rootfs, dst)
	if err != nil {
		return fmt.Errorf("copy up %s: %w", dst, err)
	}
	st, err := os.Stat(src)
	if err != nil || !st.IsDir() {
		return nil // nothing (or no directory) in the image there
	}
	empty, err := volume.IsEmpty(path)
	if err != nil {
		return fmt.Errorf("copy up %s: %w", dst, err)
	}
	if !empty {
		return nil
	}
	return volume.CopyUp(src, path)
}

// chownTree gives everything under root to uid:gid (the U option). The
// tree may be a volume that a running container shares and changes
// meanwhile, swapping a directory with a symlink to the host: so it is
// walked through descriptors, each entry chowned by name relative to its
// directory's descriptor without following it, each directory opened with
// O_NOFOLLOW. A swap makes an entry skipped, never a host file chowned.
func chownTree(root string, uid, gid int) error {
	fd, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err == nil {
		if err = unix.Fchown(fd, uid, gid); err != nil {
			unix.Close(fd)
		} else {
			err = chownDir(fd, uid, gid)
		}
	}
	if err != nil {
		return fmt.Errorf("chown %s to %d:%d: %w", root, uid, gid, err)
	}
	return nil
}

// gone reports whether err says an entry changed under the walk (removed,
// or swapped for something of another type): it is skipped.
func gone(err error) bool {
	return errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) || errors.Is(err, unix.ENXIO)
}

// chownDir chowns the entries under the directory fd, and closes it.
func chownDir(fd, uid, gid int) error {
	f := os.NewFile(uintptr(fd), "")
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := unix.Fchownat(fd, n, uid, gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			if gone(err) {
				continue
			}
			return fmt.Errorf("%s: %w", n, err)
		}
		var st unix.Stat_t
		if err := unix.Fstatat(fd, n, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR {
			continue
		}
		cfd, err := unix.Openat(fd, n, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			if gone(err) {
				continue
			}
			return fmt.Errorf("%s: %w", n, err)
		}
		if err := chownDir(cfd, uid, gid); err != nil {
			return fmt.Errorf("%s/%w", n, err)
		}
	}
	return nil
}

// unmountVolumes releases c's use of its volumes (the last user of a volume
// with a filesystem unmounts it). Failures are logged: cleanup goes on.
func (r *Runtime) unmountVolumes(ctx context.Context, c *Container) {
	vs := r.volumes()
	for _, m := range c.Config.Mounts {
		if m.Type != mountVolume || m.Source == "" {
			continue
		}
		v, err := r.db.Volume(ctx, m.Source)
		if err != nil {
			continue // nothing of it is mounted any more
		}
		if err := vs.Unmount(context.WithoutCancel(ctx), volumeRecord(v), c.ID); err != nil {
			logrus.Warnf("container %s: %v", shortID(c.ID), err)
		}
	}
}

// removeAnonymousVolumes removes c's anonymous volumes that no other
// container uses (rm -v, --rm), after c's row is gone.
func (r *Runtime) removeAnonymousVolumes(ctx context.Context, c *Container) {
	for _, m := range c.Config.Mounts {
		if m.Type != mountVolume || m.Source == "" {
			continue
		}
		v, err := r.db.Volume(ctx, m.Source)
		if err != nil || !v.Anonymous {
			continue
		}
		// Another container (--volumes-from) may use it: the transaction
		// of deleteVolume refuses then, and the volume stays.
		err = r.deleteVolume(context.WithoutCancel(ctx), v.Name)
		if err != nil && !errors.Is(err, errdefs.ErrConflict) && !errors.Is(err, errdefs.ErrNotFound) {
			logrus.Warnf("container %s: remove anonymous volume %s: %v", shortID(c.ID), v.Name, err)
		}
	}
}
