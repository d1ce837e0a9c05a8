package engine

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	cstorage "github.com/containers/storage"
	"github.com/containers/storage/pkg/archive"
	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/network"
)

// The members of a checkpoint archive (checkpoint --export, and the one
// layer of a checkpoint image): podman's names, so that the layout reads
// the same; the contents are pod's own (config.dump is pod's container
// record, not podman's).
const (
	archiveConfig  = "config.dump"     // checkpointRecord
	archiveSpec    = "spec.dump"       // the OCI spec the container ran with
	archiveRootfs  = "rootfs-diff.tar" // the container layer's changes (a layer diff)
	archiveVolumes = "volumes"         // volumes/NAME.tar: each named volume's contents
)

// checkpointRecord is config.dump: what restore --import needs to create
// the container again.
type checkpointRecord struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	ImageID   string          `json:"imageId"`
	ImageName string          `json:"imageName"`
	Config    json.RawMessage `json:"config"` // ContainerConfig
	// Pod is the name of the pod the container was in ("" for none) and
	// PodShare the namespaces that pod shared: restore --pod needs a pod
	// that shares the same.
	Pod      string   `json:"pod,omitempty"`
	PodShare []string `json:"podShare,omitempty"`
	// WithPrevious says the checkpoint holds only the pages changed since
	// a pre-checkpoint, which the restore needs (--import-previous).
	WithPrevious bool `json:"withPrevious,omitempty"`
}

// checkpointCompression is --compress: podman's names, zstd by default.
func checkpointCompression(name string) (archive.Compression, error) {
	switch strings.ToLower(name) {
	case "", "zstd":
		return archive.Zstd, nil
	case "gzip":
		return archive.Gzip, nil
	case "none":
		return archive.Uncompressed, nil
	}
	return 0, errdefs.InvalidArgumentf("selected compression algorithm (%q) not supported. Please select one from: gzip, none, zstd", name)
}

// exportCheckpoint writes c's checkpoint archive (writeCheckpointTar) to
// o.Export, compressed as o.Compress says, through a temporary file
// renamed into place.
func (r *Runtime) exportCheckpoint(ctx context.Context, c *Container, userdata string, o CheckpointOptions) (err error) {
	comp, err := checkpointCompression(o.Compress)
	if err != nil {
		return err
	}
	file := o.Export
	tmp := file + ".tmp-" + shortID(c.ID)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("export checkpoint of %s: %w", c.Name, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	zw, err := archive.CompressStream(f, comp)
	if err != nil {
		return fmt.Errorf("export checkpoint of %s: %w", c.Name, err)
	}
	if err := r.writeCheckpointTar(ctx, zw, c, userdata, o); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("export checkpoint of %s: %w", c.Name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("export checkpoint of %s: %w", c.Name, err)
	}
	if err := os.Rename(tmp, file); err != nil {
		return fmt.Errorf("export checkpoint of %s: %w", c.Name, err)
	}
	return nil
}

// writeCheckpointTar writes c's checkpoint as an uncompressed tar: its
// record and spec, CRIU's images (the pre-checkpoint's with
// o.PreCheckpoint), its statistics, unless o.IgnoreRootfs its root
// filesystem's changes, unless o.IgnoreVolumes its named volumes'
// contents.
func (r *Runtime) writeCheckpointTar(ctx context.Context, w io.Writer, c *Container, userdata string, o CheckpointOptions) error {
	tw := tar.NewWriter(w)
	cfg, err := json.Marshal(c.Config)
	if err != nil {
		return fmt.Errorf("export checkpoint of %s: %w", c.Name, err)
	}
	rec := checkpointRecord{ID: c.ID, Name: c.Name, ImageID: c.ImageID, ImageName: c.ImageName, Config: cfg}
	if c.PodID != "" {
		if p, err := r.db.GetPod(ctx, c.PodID); err == nil {
			if wp, err := wrapPod(p); err == nil {
				rec.Pod, rec.PodShare = wp.Name, wp.Config.Share
			}
		}
	}
	imagesDir := checkpointDirName
	if o.PreCheckpoint {
		imagesDir = preCheckpointDirName
	} else if _, err := os.Lstat(filepath.Join(userdata, checkpointDirName, "parent")); err == nil {
		rec.WithPrevious = true
	}
	b, _ := json.Marshal(rec)
	if err := addBytes(tw, archiveConfig, b); err != nil {
		return err
	}
	if err := addFile(tw, archiveSpec, filepath.Join(userdata, "config.json")); err != nil {
		return err
	}
	dir := filepath.Join(userdata, imagesDir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("export checkpoint of %s: %w", c.Name, err)
	}
	for _, e := range entries {
		if e.Type().IsRegular() {
			if err := addFile(tw, imagesDir+"/"+e.Name(), filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	if _, err := os.Stat(filepath.Join(userdata, statsDumpName)); err == nil {
		if err := addFile(tw, statsDumpName, filepath.Join(userdata, statsDumpName)); err != nil {
			return err
		}
	}
	if !o.IgnoreRootfs && !o.PreCheckpoint {
		if err := r.addRootfsDiff(tw, c, userdata); err != nil {
			return err
		}
	}
	if !o.IgnoreVolumes && !o.PreCheckpoint {
		for _, name := range volumeNames(c.Config) {
			if err := r.addVolume(ctx, tw, c, userdata, name); err != nil {
				return err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("export checkpoint of %s: %w", c.Name, err)
	}
	return nil
}

// volumeNames are the named volumes cfg mounts, each once.
func volumeNames(cfg *ContainerConfig) []string {
	var out []string
	for _, m := range cfg.Mounts {
		if m.Type == mountVolume && m.Source != "" && !slices.Contains(out, m.Source) {
			out = append(out, m.Source)
		}
	}
	return out
}

// addVolume adds volumes/NAME.tar, the volume's contents (ExportVolume's
// tar), spooled to a file in userdata first.
func (r *Runtime) addVolume(ctx context.Context, tw *tar.Writer, c *Container, userdata, name string) error {
	spool := filepath.Join(userdata, "volume-"+name+".tar")
	out, err := os.OpenFile(spool, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("export checkpoint of %s: %w", c.Name, err)
	}
	defer os.Remove(spool)
	err = r.ExportVolume(ctx, name, out)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("export checkpoint of %s: %w (checkpoint --ignore-volumes leaves volumes out)", c.Name, err)
	}
	return addFile(tw, archiveVolumes+"/"+name+".tar", spool)
}

// addRootfsDiff adds the container layer's changes, spooled to a file in
// userdata first (a tar member needs its size up front).
func (r *Runtime) addRootfsDiff(tw *tar.Writer, c *Container, userdata string) error {
	st, err := r.storage()
	if err != nil {
		return err
	}
	sc, err := st.Container(c.ID)
	if err != nil {
		return fmt.Errorf("export checkpoint of %s: %w", c.Name, err)
	}
	diff, err := st.Diff("", sc.LayerID, &cstorage.DiffOptions{Compression: ptrTo(archive.Uncompressed)})
	if err != nil {
		return fmt.Errorf("export checkpoint of %s: root filesystem changes: %w", c.Name, err)
	}
	defer diff.Close()
	spool := filepath.Join(userdata, archiveRootfs)
	out, err := os.OpenFile(spool, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("export checkpoint of %s: %w", c.Name, err)
	}
	defer os.Remove(spool)
	_, err = io.Copy(out, diff)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("export checkpoint of %s: root filesystem changes: %w", c.Name, err)
	}
	return addFile(tw, archiveRootfs, spool)
}

func ptrTo[T any](v T) *T { return &v }

func addBytes(tw *tar.Writer, name string, b []byte) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(b)), ModTime: time.Now(), Typeflag: tar.TypeReg}); err != nil {
		return fmt.Errorf("export checkpoint: %s: %w", name, err)
	}
	if _, err := tw.Write(b); err != nil {
		return fmt.Errorf("export checkpoint: %s: %w", name, err)
	}
	return nil
}

func addFile(tw *tar.Writer, name, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("export checkpoint: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("export checkpoint: %w", err)
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: st.Size(), ModTime: st.ModTime(), Typeflag: tar.TypeReg}); err != nil {
		return fmt.Errorf("export checkpoint: %s: %w", name, err)
	}
	if _, err := io.Copy(tw, f); err != nil {
		return fmt.Errorf("export checkpoint: %s: %w", name, err)
	}
	return nil
}

// importCheckpoint creates a container from a checkpoint archive whose
// uncompressed or compressed tar stream rd is (what names it, for errors),
// closing rd once it is unpacked (a layer's diff holds the store's layer
// lock until closed, and creating the container takes that lock):
// its configuration from config.dump (named o.Name, or as exported; in pod
// o.Pod; publishing o.Publish), its root filesystem's changes applied
// (unless o.IgnoreRootfs), its volumes' contents (unless o.IgnoreVolumes),
// CRIU's images in its userdata directory, marked checkpointed. On failure
// nothing is left.
func (r *Runtime) importCheckpoint(ctx context.Context, rd io.ReadCloser, what string, o RestoreOptions) (id string, err error) {
	tmp, err := r.unpackCheckpoint(rd, what)
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	st, err := r.storage()
	if err != nil {
		return "", err
	}
	rec, cfg, err := readCheckpointRecord(tmp, what)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(tmp, checkpointDirName)); err != nil {
		if _, perr := os.Stat(filepath.Join(tmp, preCheckpointDirName)); perr == nil {
			return "", errdefs.InvalidArgumentf("%s holds a pre-checkpoint only: restore it with --import-previous beside the checkpoint's --import", what)
		}
		return "", errdefs.InvalidArgumentf("%s is not a checkpoint archive of pod: it has no %s directory", what, checkpointDirName)
	}
	if rec.WithPrevious && o.ImportPrevious == "" {
		return "", errdefs.InvalidArgumentf("%s was checkpointed --with-previous: restore it with --import-previous and the archive of its pre-checkpoint", what)
	}
	podID, err := r.checkpointPod(ctx, rec, cfg, o.Pod)
	if err != nil {
		return "", err
	}
	if len(o.Publish) > 0 {
		ports, err := network.ParsePorts(o.Publish)
		if err != nil {
			return "", err
		}
		cfg.Ports = ports
	}
	for i := range cfg.Networks {
		if o.IgnoreStaticIP {
			cfg.Networks[i].IP, cfg.Networks[i].IP6 = "", ""
		}
		if o.IgnoreStaticMAC {
			cfg.Networks[i].MAC = ""
		}
	}
	if !o.IgnoreVolumes {
		for _, name := range volumeNames(cfg) {
			if _, err := os.Stat(filepath.Join(tmp, archiveVolumes, name+".tar")); err != nil {
				continue
			}
			if ok, err := r.VolumeExists(ctx, name); err != nil {
				return "", err
			} else if ok {
				return "", errdefs.AlreadyExistsf("volume with name %s already exists. Use --ignore-volumes to not restore content of volumes", name)
			}
		}
	}
	if _, err := st.Image(cfg.ImageID); err != nil {
		imageName := rec.ImageName
		if imageName == "" {
			imageName = cfg.ImageName
		}
		id, n, _, rerr := r.resolveImage(ctx, CreateOptions{Image: imageName})
		if rerr != nil {
			return "", fmt.Errorf("import checkpoint %s: image %s: %w", what, imageName, rerr)
		}
		if id != cfg.ImageID {
			return "", errdefs.Conflictf("import checkpoint %s: image %s is %s here, the checkpoint was made from %s", what, imageName, shortID(id), shortID(cfg.ImageID))
		}
		cfg.ImageName = n
	}
	if len(cfg.Secrets) > 0 {
		return "", errdefs.InvalidArgumentf("import checkpoint %s: the container uses secrets, which an export does not carry", what)
	}
	name := o.Name
	if name == "" {
		name = rec.Name
	}
	if cfg.CgroupName == "" {
		cfg.CgroupName = rec.ID
	}
	if err := r.checkCgroupFree(ctx, cfg.CgroupName, ""); err != nil {
		return "", err
	}
	cfg.CreatedAt = time.Now()
	c, err := r.createFrom(ctx, cfg, name, podID, nil)
	if err != nil {
		return "", fmt.Errorf("import checkpoint %s: %w", what, err)
	}
	defer func() {
		if err != nil {
			if rmErr := r.Remove(context.WithoutCancel(ctx), c.ID, RemoveOptions{Force: true}); rmErr != nil {
				logrus.Warnf("undo import of %s: %v", what, rmErr)
			}
		}
	}()
	if diff, err := os.Open(filepath.Join(tmp, archiveRootfs)); err == nil && !o.IgnoreRootfs {
		sc, serr := st.Container(c.ID)
		if serr == nil {
			_, serr = st.ApplyDiff(sc.LayerID, diff)
		}
		diff.Close()
		if serr != nil {
			return "", fmt.Errorf("import checkpoint %s: root filesystem changes: %w", what, serr)
		}
	}
	if !o.IgnoreVolumes {
		for _, name := range volumeNames(cfg) {
			f, err := os.Open(filepath.Join(tmp, archiveVolumes, name+".tar"))
			if err != nil {
				continue
			}
			err = r.ImportVolume(ctx, name, f)
			f.Close()
			if err != nil {
				return "", fmt.Errorf("import checkpoint %s: %w", what, err)
			}
		}
	}
	userdata, err := r.userdataDir(c.ID)
	if err != nil {
		return "", err
	}
	if err := os.Rename(filepath.Join(tmp, checkpointDirName), filepath.Join(userdata, checkpointDirName)); err != nil {
		return "", fmt.Errorf("import checkpoint %s: %w", what, err)
	}
	if err := writeMark(filepath.Join(userdata, checkpointedFile)); err != nil {
		return "", err
	}
	return c.ID, nil
}

// unpackCheckpoint unpacks the checkpoint archive rd into a new directory
// under the graph root, beside the containers' directories (CRIU's images
// are then moved into the new container's, not copied), and closes rd.
func (r *Runtime) unpackCheckpoint(rd io.ReadCloser, what string) (string, error) {
	tmp, err := os.MkdirTemp(r.storeOpts.GraphRoot, ".checkpoint-import-")
	if err != nil {
		rd.Close()
		return "", fmt.Errorf("import checkpoint %s: %w", what, err)
	}
	err = extractCheckpoint(rd, what, tmp)
	if cerr := rd.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("import checkpoint %s: %w", what, cerr)
	}
	if err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	return tmp, nil
}

// readCheckpointRecord reads config.dump from an unpacked archive.
func readCheckpointRecord(dir, what string) (*checkpointRecord, *ContainerConfig, error) {
	b, err := os.ReadFile(filepath.Join(dir, archiveConfig))
	if err != nil {
		return nil, nil, errdefs.InvalidArgumentf("%s is not a checkpoint archive of pod: it has no %s", what, archiveConfig)
	}
	var rec checkpointRecord
	cfg := new(ContainerConfig)
	if err := json.Unmarshal(b, &rec); err != nil || json.Unmarshal(rec.Config, cfg) != nil {
		return nil, nil, errdefs.InvalidArgumentf("%s: %s does not parse", what, archiveConfig)
	}
	return &rec, cfg, nil
}

// checkpointPod applies restore --pod to cfg, the configuration of a
// container checkpointed in a pod (rec.Pod) or outside any, and returns the
// ID of the pod it is restored into. As podman: a pod's container needs
// --pod, another refuses it, and the pod must share each namespace the
// checkpointed container's pod shared; since a member joins every
// namespace its pod shares, it must share no other either (CRIU restores
// the processes into the namespaces they were dumped from).
func (r *Runtime) checkpointPod(ctx context.Context, rec *checkpointRecord, cfg *ContainerConfig, pod string) (string, error) {
	switch {
	case rec.Pod != "" && pod == "":
		return "", errdefs.InvalidArgumentf("cannot restore pod container without --pod")
	case rec.Pod == "" && pod != "":
		return "", errdefs.InvalidArgumentf("cannot restore non pod container into pod")
	case pod == "":
		return "", nil
	}
	p, err := r.Pod(ctx, pod)
	if err != nil {
		return "", err
	}
	for _, ns := range []string{"ipc", "net", "pid", "uts", "cgroup"} {
		had, has := slices.Contains(rec.PodShare, ns), p.Shares(ns)
		switch {
		case had && !has:
			return "", errdefs.InvalidArgumentf("pod %s does not share the %s namespace", p.Name, podNamespaceName(ns))
		case has && !had:
			return "", errdefs.InvalidArgumentf("pod %s shares the %s namespace, which the checkpointed container's pod %s did not", p.Name, podNamespaceName(ns), rec.Pod)
		}
	}
	if p.InfraID != "" && p.Shares("net") {
		cfg.NetworkMode = netModeCtrPfx + p.InfraID
		cfg.Networks = nil
	}
	if p.Shares("uts") {
		cfg.Hostname = p.Config.Hostname
	}
	switch {
	case p.Config.CgroupPath != "" && !p.Config.NoShareParent:
		cfg.CgroupParent = p.Config.CgroupPath
	default:
		cfg.CgroupParent = p.Config.CgroupParent
	}
	return p.ID, nil
}

// podNamespaceName is podman's word for a namespace in its errors.
func podNamespaceName(ns string) string {
	switch ns {
	case "net":
		return "network"
	case "ipc", "pid", "uts":
		return strings.ToUpper(ns)
	}
	return ns
}

// extractCheckpoint unpacks a checkpoint archive's regular files (the
// stream compressed or not) into dir; names that would leave dir are
// refused.
func extractCheckpoint(rd io.Reader, what, dir string) error {
	dr, err := decompressed(rd)
	if err != nil {
		return errdefs.InvalidArgumentf("%s is not a checkpoint archive: %v", what, err)
	}
	defer dr.Close()
	tr := tar.NewReader(dr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return errdefs.InvalidArgumentf("%s is not a checkpoint archive (tar): %v", what, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := filepath.Clean(strings.TrimPrefix(h.Name, "/"))
		if filepath.IsAbs(name) || name == ".." || strings.HasPrefix(name, "../") {
			return errdefs.InvalidArgumentf("%s: member %q leaves the archive", what, h.Name)
		}
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return fmt.Errorf("import checkpoint: %w", err)
		}
		out, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("import checkpoint: %w", err)
		}
		_, err = io.Copy(out, tr)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("import checkpoint: %s: %w", h.Name, err)
		}
	}
}

// openCheckpointArchive opens a file restore --import or --import-previous
// names.
func openCheckpointArchive(file string) (*os.File, error) {
	f, err := os.Open(file)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, errdefs.NotFoundf("checkpoint archive %s does not exist", file)
		}
		return nil, fmt.Errorf("import checkpoint: %w", err)
	}
	return f, nil
}

// importPreCheckpoint unpacks the pre-checkpoint of archive file (checkpoint
// --pre-checkpoint --export) into userdata, where the checkpoint's images
// name it as their parent (../pre-checkpoint).
func importPreCheckpoint(file, userdata string) error {
	f, err := openCheckpointArchive(file)
	if err != nil {
		return err
	}
	defer f.Close()
	tmp, err := os.MkdirTemp(userdata, ".pre-checkpoint-")
	if err != nil {
		return fmt.Errorf("import pre-checkpoint %s: %w", file, err)
	}
	defer os.RemoveAll(tmp)
	if err := extractCheckpoint(f, file, tmp); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(tmp, preCheckpointDirName)); err != nil {
		return errdefs.InvalidArgumentf("%s holds no pre-checkpoint (checkpoint --pre-checkpoint --export writes one)", file)
	}
	dst := filepath.Join(userdata, preCheckpointDirName)
	if err := os.RemoveAll(dst); err != nil {
		return fmt.Errorf("import pre-checkpoint %s: %w", file, err)
	}
	if err := os.Rename(filepath.Join(tmp, preCheckpointDirName), dst); err != nil {
		return fmt.Errorf("import pre-checkpoint %s: %w", file, err)
	}
	return nil
}
