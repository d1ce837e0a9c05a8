package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/atomicfile"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/oci"
	"github.com/pod-engine/pod/pkg/state"
)

// What a checkpoint leaves in the container's userdata directory.
const (
	checkpointDirName    = "checkpoint"        // CRIU's images
	preCheckpointDirName = "pre-checkpoint"    // CRIU's images of a pre-dump (--pre-checkpoint)
	checkpointedFile     = "checkpointed.json" // a checkpoint of the current run exists (checkpointMark)
	restoredFile         = "restored.json"     // the current run was restored (checkpointMark)
	dumpLogName          = "dump.log"          // CRIU's log of the checkpoint
	restoreLogName       = "restore.log"       // CRIU's log of the restore
	statsDumpName        = "stats-dump"        // CRIU's statistics, in its work directory
	statsRestoreName     = "stats-restore"
)

// checkpointMark is the content of checkpointedFile and restoredFile.
type checkpointMark struct {
	At time.Time `json:"at"`
}

// CheckpointOptions are `container checkpoint`'s.
type CheckpointOptions struct {
	// Keep keeps CRIU's log and statistics (the images are always kept:
	// a later restore needs them).
	Keep bool
	// LeaveRunning keeps the container running after the checkpoint.
	LeaveRunning bool
	// TCPEstablished checkpoints established TCP connections.
	TCPEstablished bool
	// Export writes the checkpoint, the container's configuration and its
	// root filesystem's changes to this tar.gz file (restore --import).
	Export string
	// IgnoreRootfs leaves the root filesystem's changes out of Export.
	IgnoreRootfs bool
	// IgnoreVolumes leaves the named volumes' contents out of Export.
	IgnoreVolumes bool
	// FileLocks checkpoints the file locks the processes hold.
	FileLocks bool
	// PreCheckpoint dumps the memory only (into pre-checkpoint/), leaving
	// the container running; WithPrevious then dumps only what changed.
	PreCheckpoint bool
	WithPrevious  bool
	// Compress is Export's compression: zstd (""), gzip or none.
	Compress string
	// CreateImage makes a checkpoint image of this name.
	CreateImage string
}

// Validate refuses what podman refuses before it looks at a container.
func (o CheckpointOptions) Validate() error {
	if o.Compress != "" {
		if o.Export == "" {
			return errdefs.InvalidArgumentf("--compress can only be used with --export")
		}
		if _, err := checkpointCompression(o.Compress); err != nil {
			return err
		}
	}
	switch {
	case o.IgnoreRootfs && o.Export == "":
		return errdefs.InvalidArgumentf("--ignore-rootfs can only be used with --export")
	case o.IgnoreVolumes && o.Export == "":
		return errdefs.InvalidArgumentf("--ignore-volumes can only be used with --export")
	case o.WithPrevious && o.PreCheckpoint:
		return errdefs.InvalidArgumentf("--with-previous can not be used with --pre-checkpoint")
	}
	return nil
}

// CheckpointReport is what one checkpoint measured.
type CheckpointReport struct {
	ID string
	// RuntimeDuration is how long the runtime's checkpoint (CRIU's dump)
	// took.
	RuntimeDuration time.Duration
	// Stats are CRIU's dump statistics (freezing_time, pages_written, ...;
	// times in microseconds); nil when CRIU wrote none.
	Stats map[string]uint64
}

// errRootlessCheckpoint is what rootless checkpoint and restore say: CRIU
// needs CAP_SYS_ADMIN (or CAP_CHECKPOINT_RESTORE) in the initial user
// namespace, which a rootless pod never has. podman refuses alike.
func errRootlessCheckpoint(verb string) error {
	return errdefs.InvalidArgumentf("%s a container requires root: CRIU needs privileges a rootless pod does not have", verb)
}

// Checkpoint dumps a running container with CRIU (through the runtime's
// checkpoint) into its userdata directory. Unless LeaveRunning, the
// container then is exited, with State.Checkpointed true, its network and
// mounts released, and exit code 0 (it did not fail); Restore continues it.
// A container started with --rm can only be checkpointed with Export,
// after which the monitor's cleanup removes it, as podman does.
func (r *Runtime) Checkpoint(ctx context.Context, idOrName string, o CheckpointOptions) (*CheckpointReport, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if r.Rootless() {
		return nil, errRootlessCheckpoint("checkpointing")
	}
	if (o.WithPrevious || o.PreCheckpoint) && !oci.CRIUMemTrack(ctx) {
		return nil, errdefs.NotImplementedf("system (architecture/kernel/CRIU) does not support memory tracking")
	}
	// A pre-checkpoint leaves the container running, as --leave-running.
	leaveRunning := o.LeaveRunning || o.PreCheckpoint
	c, l, err := r.getLocked(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	defer l.Release()
	if c.Status != state.StatusRunning {
		return nil, errdefs.Conflictf("container %s is %s: only a running container can be checkpointed", c.Name, c.Status)
	}
	if c.Config.Tty {
		return nil, errdefs.InvalidArgumentf("container %s has a terminal (-t): checkpointing it is not supported", c.Name)
	}
	if c.Config.AutoRemove && o.Export == "" && !leaveRunning {
		return nil, errdefs.InvalidArgumentf("container %s was started with --rm: checkpoint it with --export (it is removed afterwards) or --leave-running", c.Name)
	}
	rt, err := r.ociFor(c)
	if err != nil {
		return nil, err
	}
	userdata, err := r.userdataDir(c.ID)
	if err != nil {
		return nil, err
	}
	opts := oci.CheckpointOptions{WorkPath: userdata, LeaveRunning: o.LeaveRunning, TCPEstablished: o.TCPEstablished, FileLocks: o.FileLocks}
	dir := filepath.Join(userdata, checkpointDirName)
	stale := []string{dir, filepath.Join(userdata, checkpointedFile), filepath.Join(userdata, dumpLogName)}
	switch {
	case o.PreCheckpoint:
		dir = filepath.Join(userdata, preCheckpointDirName)
		stale = []string{dir, filepath.Join(userdata, dumpLogName)}
		opts.PreDump = true
	case o.WithPrevious:
		if _, err := os.Stat(filepath.Join(userdata, preCheckpointDirName, "inventory.img")); err != nil {
			return nil, errdefs.Conflictf("container %s has no pre-checkpoint: --with-previous needs one (checkpoint --pre-checkpoint)", c.Name)
		}
		// Relative to the images' directory, where CRIU resolves it.
		opts.ParentPath = "../" + preCheckpointDirName
	}
	opts.ImagePath = dir
	for _, p := range stale {
		if err := os.RemoveAll(p); err != nil {
			return nil, fmt.Errorf("checkpoint %s: %w", c.Name, err)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", c.Name, err)
	}
	if !leaveRunning {
		// Recorded first: the monitor's cleanup, which runs once the lock
		// is released, must not apply the restart policy to a container
		// that was checkpointed, as it would not to one the user stopped.
		c.StoppedByUser = true
		if err := r.db.Update(ctx, c.Container); err != nil {
			return nil, err
		}
	}
	began := time.Now()
	err = rt.Checkpoint(ctx, c.ID, opts)
	rep := &CheckpointReport{ID: c.ID, RuntimeDuration: time.Since(began)}
	if err != nil {
		// CRIU resumes the container when its dump fails.
		uctx := context.WithoutCancel(ctx)
		if !leaveRunning {
			c.StoppedByUser = false
			if uerr := r.db.Update(uctx, c.Container); uerr != nil {
				logrus.Warnf("checkpoint %s: %v", c.Name, uerr)
			}
		}
		os.RemoveAll(dir)
		if errors.Is(err, errdefs.ErrNotImplemented) {
			return nil, fmt.Errorf("checkpoint %s: %w", c.Name, err)
		}
		if cerr := oci.CRIUCheck(uctx); cerr != nil {
			return nil, errdefs.Unavailablef("checkpoint %s: CRIU cannot work on this machine: %v", c.Name, cerr)
		}
		return nil, fmt.Errorf("checkpoint %s: %w (CRIU's log: %s)", c.Name, err, filepath.Join(userdata, dumpLogName))
	}
	rep.Stats = readCRIUStats(filepath.Join(userdata, statsDumpName))
	if !leaveRunning {
		if _, err := r.waitExitFile(ctx, c); err != nil {
			return nil, fmt.Errorf("checkpoint %s: wait for its exit: %w", c.Name, err)
		}
		if _, err := r.finishLocked(ctx, c, false); err != nil {
			return nil, err
		}
		// The container did not fail: CRIU's SIGKILL is no exit status.
		c.ExitCode, c.OOMKilled = 0, false
		if err := r.db.Update(ctx, c.Container); err != nil {
			return nil, err
		}
	}
	if !o.PreCheckpoint {
		if err := writeMark(filepath.Join(userdata, checkpointedFile)); err != nil {
			return nil, err
		}
	}
	r.containerEvent(ctx, c.Container, "checkpoint")
	if o.Export != "" {
		if err := r.exportCheckpoint(ctx, c, userdata, o); err != nil {
			return nil, err
		}
	}
	if o.CreateImage != "" {
		if err := r.createCheckpointImage(ctx, c, userdata, o); err != nil {
			return nil, err
		}
	}
	if !o.Keep {
		os.Remove(filepath.Join(userdata, dumpLogName))
		os.Remove(filepath.Join(userdata, statsDumpName))
	}
	return rep, nil
}

// RestoreOptions are `container restore`'s.
type RestoreOptions struct {
	// Keep keeps the checkpoint, CRIU's log and statistics after a
	// successful restore.
	Keep bool
	// TCPEstablished restores established TCP connections (the checkpoint
	// must have them).
	TCPEstablished bool
	// Import creates the container from a file that checkpoint --export
	// wrote, then restores it; Name names it (default: the exported
	// container's name).
	Import string
	Name   string
	// IgnoreRootfs does not apply the root filesystem's changes of Import;
	// IgnoreVolumes does not restore the volumes' contents it holds.
	IgnoreRootfs  bool
	IgnoreVolumes bool
	// FileLocks restores the file locks the checkpoint holds.
	FileLocks bool
	// IgnoreStaticIP and IgnoreStaticMAC drop the --ip/--ip6 and
	// --mac-address the imported container was created with.
	IgnoreStaticIP  bool
	IgnoreStaticMAC bool
	// ImportPrevious is a pre-checkpoint archive (checkpoint
	// --pre-checkpoint --export) the Import's checkpoint builds on.
	ImportPrevious string
	// Pod restores the imported container into this existing pod.
	Pod string
	// Publish replaces the imported container's published ports (-p).
	Publish []string
}

// validate refuses what podman refuses; imported says whether the restore
// creates the container (--import, or a checkpoint image).
func (o RestoreOptions) validate(imported bool) error {
	switch {
	case !imported && o.ImportPrevious != "":
		return errdefs.InvalidArgumentf("--import-previous can only be used with image or --import")
	case !imported && o.IgnoreRootfs:
		return errdefs.InvalidArgumentf("--ignore-rootfs can only be used with image or --import")
	case !imported && o.IgnoreVolumes:
		return errdefs.InvalidArgumentf("--ignore-volumes can only be used with image or --import")
	case !imported && o.Name != "":
		return errdefs.InvalidArgumentf("--name can only be used with image or --import")
	case !imported && o.Pod != "":
		return errdefs.InvalidArgumentf("--pod can only be used with image or --import")
	case !imported && len(o.Publish) > 0:
		return errdefs.InvalidArgumentf("--publish can only be used with image or --import")
	case o.Name != "" && o.TCPEstablished:
		return errdefs.InvalidArgumentf("--tcp-established cannot be used with --name")
	}
	return nil
}

// RestoreReport is what one restore measured.
type RestoreReport struct {
	ID string
	// RuntimeDuration is how long the monitor's runtime restore took.
	RuntimeDuration time.Duration
	// Stats are CRIU's restore statistics (forking_time, restore_time,
	// pages_restored); nil when CRIU wrote none.
	Stats map[string]uint64
}

// Restore continues a checkpointed container from its checkpoint: the
// monitor runs the runtime's restore in place of its create, holds the
// restored process's stdio as it holds a started one's and becomes its
// parent. With Import it first creates the container from an exported
// checkpoint. The container then runs, State.Restored true.
func (r *Runtime) Restore(ctx context.Context, idOrName string, o RestoreOptions) (rep *RestoreReport, err error) {
	if r.Rootless() {
		return nil, errRootlessCheckpoint("restoring")
	}
	image := ""
	if o.Import == "" {
		var err error
		if image, err = r.restoreImage(ctx, idOrName); err != nil {
			return nil, err
		}
	}
	if err := o.validate(o.Import != "" || image != ""); err != nil {
		return nil, err
	}
	imported := ""
	defer func() {
		// A container this restore created goes again when it fails.
		if err != nil && imported != "" {
			if rmErr := r.Remove(context.WithoutCancel(ctx), imported, RemoveOptions{Force: true}); rmErr != nil {
				logrus.Warnf("undo import of %s: %v", shortID(imported), rmErr)
			}
		}
	}()
	switch {
	case o.Import != "":
		f, err := openCheckpointArchive(o.Import)
		if err != nil {
			return nil, err
		}
		id, err := r.importCheckpoint(ctx, f, o.Import, o)
		if err != nil {
			return nil, err
		}
		idOrName, imported = id, id
	case image != "":
		id, err := r.importCheckpointImage(ctx, image, idOrName, o)
		if err != nil {
			return nil, err
		}
		idOrName, imported = id, id
	}
	c, l, err := r.getLocked(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	// Released before the undo above runs (last in, first out): the undo
	// takes the lock itself.
	defer l.Release()
	userdata, err := r.userdataDir(c.ID)
	if err != nil {
		return nil, err
	}
	if isActive(c.Status) {
		return nil, errdefs.Conflictf("container %s is %s: only a checkpointed container can be restored", c.Name, c.Status)
	}
	dir := filepath.Join(userdata, checkpointDirName)
	if _, err := os.Stat(filepath.Join(userdata, checkpointedFile)); err != nil {
		return nil, errdefs.Conflictf("container %s is not checkpointed: there is nothing to restore", c.Name)
	}
	if err := r.checkCgroupFree(ctx, cgroupName(c), c.ID); err != nil {
		return nil, err
	}
	if o.ImportPrevious != "" {
		if err := importPreCheckpoint(o.ImportPrevious, userdata); err != nil {
			return nil, err
		}
	}
	// A checkpoint made --with-previous names its pre-checkpoint's
	// images through checkpoint/parent, which an archive does not carry.
	if _, err := os.Stat(filepath.Join(userdata, preCheckpointDirName)); err == nil {
		if _, err := os.Lstat(filepath.Join(dir, "parent")); err != nil {
			if err := os.Symlink("../"+preCheckpointDirName, filepath.Join(dir, "parent")); err != nil {
				return nil, fmt.Errorf("restore %s: %w", c.Name, err)
			}
		}
	}
	os.Remove(filepath.Join(userdata, restoreLogName))
	began := time.Now()
	how := startHow{restore: &restoreFrom{opts: oci.CheckpointOptions{ImagePath: dir, WorkPath: userdata, TCPEstablished: o.TCPEstablished, FileLocks: o.FileLocks}}}
	if _, err := r.startLocked(ctx, c, how); err != nil {
		if cerr := oci.CRIUCheck(context.WithoutCancel(ctx)); cerr != nil {
			return nil, errdefs.Unavailablef("restore %s: CRIU cannot work on this machine: %v", c.Name, cerr)
		}
		return nil, fmt.Errorf("restore %s: %w (CRIU's log: %s)", c.Name, err, filepath.Join(userdata, restoreLogName))
	}
	rep = &RestoreReport{ID: c.ID, RuntimeDuration: time.Since(began)}
	rep.Stats = readCRIUStats(filepath.Join(userdata, statsRestoreName))
	os.Remove(filepath.Join(userdata, checkpointedFile))
	if err := writeMark(filepath.Join(userdata, restoredFile)); err != nil {
		logrus.Warnf("restore %s: %v", c.Name, err)
	}
	if !o.Keep {
		os.RemoveAll(dir)
		os.RemoveAll(filepath.Join(userdata, preCheckpointDirName))
		for _, n := range []string{restoreLogName, dumpLogName, statsDumpName, statsRestoreName} {
			os.Remove(filepath.Join(userdata, n))
		}
	}
	return rep, nil
}

// restoreFrom makes startLocked restore the container instead of starting
// it: from CRIU's images in opts.ImagePath, with restore.log in
// opts.WorkPath.
type restoreFrom struct {
	opts oci.CheckpointOptions
}

// cgroupName is the ID c's cgroup is named after (ContainerConfig.CgroupName).
func cgroupName(c *Container) string {
	if c.Config.CgroupName != "" {
		return c.Config.CgroupName
	}
	return c.ID
}

// checkCgroupFree refuses to restore into the cgroup named after name while
// another active container than self runs in it: CRIU puts the restored
// processes into the cgroup of the checkpoint, so one checkpoint restores
// once at a time (runc 1.2's --manage-cgroups-mode=ignore would lift this).
func (r *Runtime) checkCgroupFree(ctx context.Context, name, self string) error {
	rows, err := r.db.List(ctx)
	if err != nil {
		return err
	}
	for _, row := range rows {
		if row.ID == self || !isActive(row.Status) {
			continue
		}
		c, err := wrap(row)
		if err != nil {
			continue
		}
		if cgroupName(c) == name {
			return errdefs.Conflictf("container %s runs in the cgroup the checkpoint was made in (pod-%s), where CRIU restores the processes: stop it first", c.Name, shortID(name))
		}
	}
	return nil
}

// restoreImage returns the ID of the checkpoint image that restore's
// argument names when no container has that name or ID ("" otherwise).
func (r *Runtime) restoreImage(ctx context.Context, idOrName string) (string, error) {
	if idOrName == "" {
		return "", nil
	}
	if _, err := r.get(ctx, idOrName); err == nil {
		return "", nil
	} else if !errors.Is(err, errdefs.ErrNotFound) {
		return "", err
	}
	return r.checkpointImage(ctx, idOrName)
}

// clearCheckpointMarks forgets, as a new run starts, that the previous one
// was checkpointed or restored; a restore (restored set) marks it restored.
func (r *Runtime) clearCheckpointMarks(c *Container, restored bool) {
	userdata, err := r.userdataDir(c.ID)
	if err != nil {
		return
	}
	os.Remove(filepath.Join(userdata, checkpointedFile))
	if !restored {
		os.Remove(filepath.Join(userdata, restoredFile))
	}
}

func writeMark(path string) error {
	b, _ := json.Marshal(checkpointMark{At: time.Now().UTC()})
	if err := atomicfile.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("record %s: %w", filepath.Base(path), err)
	}
	return nil
}

func readMark(path string) (time.Time, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return time.Time{}, false
	}
	var m checkpointMark
	if json.Unmarshal(b, &m) != nil {
		return time.Time{}, true
	}
	return m.At, true
}

// inspectCheckpoint fills podman's checkpoint fields of State.
func (r *Runtime) inspectCheckpoint(c *Container, s *InspectState) {
	userdata, err := r.userdataDir(c.ID)
	if err != nil {
		return
	}
	if at, ok := readMark(filepath.Join(userdata, checkpointedFile)); ok {
		s.Checkpointed = !isActive(c.Status)
		s.CheckpointedAt = formatTime(at)
		s.CheckpointPath = filepath.Join(userdata, checkpointDirName)
		if _, err := os.Stat(filepath.Join(userdata, dumpLogName)); err == nil {
			s.CheckpointLog = filepath.Join(userdata, dumpLogName)
		}
	}
	if at, ok := readMark(filepath.Join(userdata, restoredFile)); ok && isActive(c.Status) {
		s.Restored = true
		s.RestoredAt = formatTime(at)
		if _, err := os.Stat(filepath.Join(userdata, restoreLogName)); err == nil {
			s.RestoreLog = filepath.Join(userdata, restoreLogName)
		}
	}
}

// CheckpointedContainers returns the IDs of the containers that wait to be
// restored (restore --all).
func (r *Runtime) CheckpointedContainers(ctx context.Context) ([]string, error) {
	rows, err := r.db.List(ctx)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, c := range rows {
		if isActive(c.Status) {
			continue
		}
		userdata, err := r.userdataDir(c.ID)
		if err != nil {
			return nil, err
		}
		if _, err := os.Stat(filepath.Join(userdata, checkpointedFile)); err == nil {
			ids = append(ids, c.ID)
		}
	}
	return ids, nil
}
