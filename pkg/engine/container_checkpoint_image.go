package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	cstorage "github.com/containers/storage"
	"github.com/containers/storage/pkg/archive"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/oci"
	"github.com/pod-engine/pod/pkg/storage"
)

// A checkpoint image (checkpoint --create-image) is an OCI image of one
// layer whose files are those of a checkpoint archive (config.dump,
// checkpoint/, rootfs-diff.tar, volumes/), with podman's annotations about
// the container and the host in its manifest. `restore IMAGE` creates a
// container from it as restore --import does from the archive.
const (
	annCheckpointName          = "io.podman.annotations.checkpoint.name"
	annCheckpointRawImageName  = "io.podman.annotations.checkpoint.rawImageName"
	annCheckpointRootfsImageID = "io.podman.annotations.checkpoint.rootfsImageID"
	annCheckpointRootfsImage   = "io.podman.annotations.checkpoint.rootfsImageName"
	annCheckpointPodmanVersion = "io.podman.annotations.checkpoint.podman.version"
	annCheckpointCRIUVersion   = "io.podman.annotations.checkpoint.criu.version"
	annCheckpointRuntimeName   = "io.podman.annotations.checkpoint.runtime.name"
	annCheckpointRuntimeVer    = "io.podman.annotations.checkpoint.runtime.version"
	annCheckpointConmonVersion = "io.podman.annotations.checkpoint.conmon.version"
	annCheckpointHostArch      = "io.podman.annotations.checkpoint.host.arch"
	annCheckpointHostKernel    = "io.podman.annotations.checkpoint.host.kernel"
	annCheckpointCgroupVersion = "io.podman.annotations.checkpoint.cgroups.version"
	annCheckpointDistroVersion = "io.podman.annotations.checkpoint.distribution.version"
	annCheckpointDistroName    = "io.podman.annotations.checkpoint.distribution.name"
)

// createCheckpointImage makes the checkpoint image named o.CreateImage from
// c's checkpoint, through an uncompressed archive spooled in userdata.
func (r *Runtime) createCheckpointImage(ctx context.Context, c *Container, userdata string, o CheckpointOptions) error {
	spool := filepath.Join(userdata, "checkpoint-image.tar")
	f, err := os.OpenFile(spool, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("create checkpoint image of %s: %w", c.Name, err)
	}
	defer os.Remove(spool)
	err = r.writeCheckpointTar(ctx, f, c, userdata, o)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	ann := map[string]string{
		annCheckpointName:          c.Name,
		annCheckpointRawImageName:  c.Config.ImageName,
		annCheckpointRootfsImageID: c.ImageID,
		annCheckpointRootfsImage:   c.ImageName,
		annCheckpointCRIUVersion:   oci.CRIUVersion(ctx),
	}
	if info, err := r.Info(ctx); err == nil {
		ann[annCheckpointPodmanVersion] = info.Version.Version
		ann[annCheckpointRuntimeName] = info.Host.OCIRuntime.Name
		ann[annCheckpointRuntimeVer] = info.Host.OCIRuntime.Version
		ann[annCheckpointConmonVersion] = info.Host.Conmon.Version
		ann[annCheckpointHostArch] = info.Host.Arch
		ann[annCheckpointHostKernel] = info.Host.Kernel
		ann[annCheckpointCgroupVersion] = info.Host.CgroupsVersion
		ann[annCheckpointDistroVersion] = info.Host.Distribution.Version
		ann[annCheckpointDistroName] = info.Host.Distribution.Distribution
	}
	if _, err := r.Images().ImportImage(ctx, storage.ImportOptions{Source: spool, Reference: o.CreateImage, Annotations: ann}); err != nil {
		return fmt.Errorf("create checkpoint image of %s: %w", c.Name, err)
	}
	return nil
}

// checkpointImage returns the ID of the checkpoint image ref names, "" when
// ref names no image or one without podman's checkpoint annotation.
func (r *Runtime) checkpointImage(ctx context.Context, ref string) (string, error) {
	st, err := r.storage()
	if err != nil {
		return "", err
	}
	img, err := st.LookupImage(ref)
	if err != nil {
		if errors.Is(err, errdefs.ErrNotFound) || errors.Is(err, cstorage.ErrImageUnknown) {
			return "", nil
		}
		return "", nil
	}
	data, err := st.ImageData(ctx, img.ID)
	if err != nil {
		return "", err
	}
	if _, ok := data.Annotations[annCheckpointName]; !ok {
		return "", nil
	}
	return img.ID, nil
}

// importCheckpointImage creates a container from checkpoint image id, as
// importCheckpoint does from an archive: its layer is the archive.
func (r *Runtime) importCheckpointImage(ctx context.Context, id, ref string, o RestoreOptions) (string, error) {
	st, err := r.storage()
	if err != nil {
		return "", err
	}
	img, err := st.Image(id)
	if err != nil {
		return "", fmt.Errorf("checkpoint image %s: %w", ref, err)
	}
	diff, err := st.Diff("", img.TopLayer, &cstorage.DiffOptions{Compression: ptrTo(archive.Uncompressed)})
	if err != nil {
		return "", fmt.Errorf("checkpoint image %s: %w", ref, err)
	}
	return r.importCheckpoint(ctx, diff, "checkpoint image "+ref, o)
}
