package engine

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	cstorage "github.com/containers/storage"
	"github.com/containers/storage/pkg/archive"
	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// The members of a checkpoint archive (checkpoint --export): podman's
// names, so that the layout reads the same; the contents are pod's own
// (config.dump is pod's container record, not podman's).
const (
	archiveConfig = "config.dump"     // checkpointRecord
	archiveSpec   = "spec.dump"       // the OCI spec the container ran with
	archiveRootfs = "rootfs-diff.tar" // the container layer's changes (a layer diff)
)

// checkpointRecord is config.dump: what restore --import needs to create
// the container again.
type checkpointRecord struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	ImageID   string          `json:"imageId"`
	ImageName string          `json:"imageName"`
	Config    json.RawMessage `json:"config"` // ContainerConfig
}

// exportCheckpoint writes c's checkpoint (userdata/checkpoint), its record
// and, unless ignoreRootfs, its root filesystem's changes to file as a
// tar.gz, through a temporary file renamed into place.
func (r *Runtime) exportCheckpoint(ctx context.Context, c *Container, userdata, file string, ignoreRootfs bool) (err error) {
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
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	cfg, err := json.Marshal(c.Config)
	if err != nil {
		return fmt.Errorf("export checkpoint of %s: %w", c.Name, err)
	}
	rec, _ := json.Marshal(checkpointRecord{ID: c.ID, Name: c.Name, ImageID: c.ImageID, ImageName: c.ImageName, Config: cfg})
	if err := addBytes(tw, archiveConfig, rec); err != nil {
		return err
	}
	if err := addFile(tw, archiveSpec, filepath.Join(userdata, "config.json")); err != nil {
		return err
	}
	dir := filepath.Join(userdata, checkpointDirName)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("export checkpoint of %s: %w", c.Name, err)
	}
	for _, e := range entries {
		if e.Type().IsRegular() {
			if err := addFile(tw, checkpointDirName+"/"+e.Name(), filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	if _, err := os.Stat(filepath.Join(userdata, statsDumpName)); err == nil {
		if err := addFile(tw, statsDumpName, filepath.Join(userdata, statsDumpName)); err != nil {
			return err
		}
	}
	if !ignoreRootfs {
		if err := r.addRootfsDiff(tw, c, userdata); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("export checkpoint of %s: %w", c.Name, err)
	}
	if err := gz.Close(); err != nil {
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

// importCheckpoint creates a container from an exported checkpoint: its
// configuration from config.dump (named name, or as exported), its root
// filesystem's changes applied (unless ignoreRootfs), CRIU's images in its
// userdata directory, marked checkpointed. On failure nothing is left.
func (r *Runtime) importCheckpoint(ctx context.Context, file, name string, ignoreRootfs bool) (id string, err error) {
	st, err := r.storage()
	if err != nil {
		return "", err
	}
	// Under the graph root, beside the containers' directories: CRIU's
	// images are then moved into the new container's, not copied.
	tmp, err := os.MkdirTemp(r.storeOpts.GraphRoot, ".checkpoint-import-")
	if err != nil {
		return "", fmt.Errorf("import checkpoint %s: %w", file, err)
	}
	defer os.RemoveAll(tmp)
	if err := extractCheckpoint(file, tmp); err != nil {
		return "", err
	}
	b, err := os.ReadFile(filepath.Join(tmp, archiveConfig))
	if err != nil {
		return "", errdefs.InvalidArgumentf("%s is not a checkpoint archive of pod: it has no %s", file, archiveConfig)
	}
	var rec checkpointRecord
	cfg := new(ContainerConfig)
	if err := json.Unmarshal(b, &rec); err != nil || json.Unmarshal(rec.Config, cfg) != nil {
		return "", errdefs.InvalidArgumentf("%s: %s does not parse", file, archiveConfig)
	}
	if _, err := os.Stat(filepath.Join(tmp, checkpointDirName)); err != nil {
		return "", errdefs.InvalidArgumentf("%s is not a checkpoint archive of pod: it has no %s directory", file, checkpointDirName)
	}
	if _, err := st.Image(cfg.ImageID); err != nil {
		imageName := rec.ImageName
		if imageName == "" {
			imageName = cfg.ImageName
		}
		id, n, _, rerr := r.resolveImage(ctx, CreateOptions{Image: imageName})
		if rerr != nil {
			return "", fmt.Errorf("import checkpoint %s: image %s: %w", file, imageName, rerr)
		}
		if id != cfg.ImageID {
			return "", errdefs.Conflictf("import checkpoint %s: image %s is %s here, the checkpoint was made from %s", file, imageName, shortID(id), shortID(cfg.ImageID))
		}
		cfg.ImageName = n
	}
	if len(cfg.Secrets) > 0 {
		return "", errdefs.InvalidArgumentf("import checkpoint %s: the container uses secrets, which an export does not carry", file)
	}
	if name == "" {
		name = rec.Name
	}
	cfg.CreatedAt = time.Now()
	c, err := r.createFrom(ctx, cfg, name, "", nil)
	if err != nil {
		return "", fmt.Errorf("import checkpoint %s: %w", file, err)
	}
	defer func() {
		if err != nil {
			if rmErr := r.Remove(context.WithoutCancel(ctx), c.ID, RemoveOptions{Force: true}); rmErr != nil {
				logrus.Warnf("undo import of %s: %v", file, rmErr)
			}
		}
	}()
	if diff, err := os.Open(filepath.Join(tmp, archiveRootfs)); err == nil && !ignoreRootfs {
		sc, serr := st.Container(c.ID)
		if serr == nil {
			_, serr = st.ApplyDiff(sc.LayerID, diff)
		}
		diff.Close()
		if serr != nil {
			return "", fmt.Errorf("import checkpoint %s: root filesystem changes: %w", file, serr)
		}
	}
	userdata, err := r.userdataDir(c.ID)
	if err != nil {
		return "", err
	}
	if err := os.Rename(filepath.Join(tmp, checkpointDirName), filepath.Join(userdata, checkpointDirName)); err != nil {
		return "", fmt.Errorf("import checkpoint %s: %w", file, err)
	}
	if err := writeMark(filepath.Join(userdata, checkpointedFile)); err != nil {
		return "", err
	}
	return c.ID, nil
}

// extractCheckpoint unpacks a checkpoint archive's regular files into dir;
// names that would leave dir are refused.
func extractCheckpoint(file, dir string) error {
	f, err := os.Open(file)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return errdefs.NotFoundf("checkpoint archive %s does not exist", file)
		}
		return fmt.Errorf("import checkpoint: %w", err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return errdefs.InvalidArgumentf("%s is not a checkpoint archive (tar.gz): %v", file, err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return errdefs.InvalidArgumentf("%s is not a checkpoint archive (tar.gz): %v", file, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := filepath.Clean(h.Name)
		if filepath.IsAbs(name) || name == ".." || strings.HasPrefix(name, "../") {
			return errdefs.InvalidArgumentf("%s: member %q leaves the archive", file, h.Name)
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
