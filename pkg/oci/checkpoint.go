package oci

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// CheckpointOptions are the runtime's checkpoint flags pod uses; the
// runtime drives CRIU (criu(8)) with them.
type CheckpointOptions struct {
	// ImagePath receives CRIU's images; WorkPath its log (dump.log).
	ImagePath, WorkPath string
	// LeaveRunning keeps the container running after the dump.
	LeaveRunning bool
	// TCPEstablished checkpoints established TCP connections.
	TCPEstablished bool
	// FileLocks checkpoints file locks the processes hold.
	FileLocks bool
	// PreDump dumps the memory only (CRIU's pre-dump), leaving the
	// container running; a later dump with ParentPath writes only the
	// pages changed since.
	PreDump bool
	// ParentPath is the directory of a pre-dump, relative to ImagePath
	// (runc resolves it so: "../pre-checkpoint").
	ParentPath string
}

// Checkpoint dumps the running container into o.ImagePath and, unless
// o.LeaveRunning, kills it (its monitor then sees its init exit).
func (r *Runtime) Checkpoint(ctx context.Context, id string, o CheckpointOptions) error {
	args := []string{"checkpoint", "--image-path", o.ImagePath, "--work-path", o.WorkPath}
	if o.LeaveRunning {
		args = append(args, "--leave-running")
	}
	if o.TCPEstablished {
		args = append(args, "--tcp-established")
	}
	if o.FileLocks {
		args = append(args, "--file-locks")
	}
	if o.PreDump {
		args = append(args, "--pre-dump")
	}
	if o.ParentPath != "" {
		args = append(args, "--parent-path", o.ParentPath)
	}
	_, err := r.run(ctx, append(args, id)...)
	if err != nil && strings.Contains(err.Error(), "unknown command checkpoint") {
		// crun built without CRIU (Debian 12's) has no checkpoint verb.
		return errdefs.NotImplementedf("the OCI runtime %s was built without checkpoint support (CRIU): run the container with --runtime runc", r.Name())
	}
	return err
}

// RestoreArgs is CreateArgs for `restore --detach`: the monitor runs it in
// place of create, so the restored process inherits the monitor's pipes as
// its stdio (the runtime hands them to CRIU in place of the dumped
// process's pipes) and, once the runtime exits, becomes the monitor's
// child as the subreaper. o.ImagePath holds the checkpoint, o.WorkPath
// receives restore.log; LeaveRunning, PreDump and ParentPath do not apply.
func (r *Runtime) RestoreArgs(id, bundle, pidFile string, o CheckpointOptions) []string {
	args := append(r.globalArgs(), "restore", "--detach", "--bundle", bundle, "--pid-file", pidFile,
		"--image-path", o.ImagePath, "--work-path", o.WorkPath)
	if o.TCPEstablished {
		args = append(args, "--tcp-established")
	}
	if o.FileLocks {
		args = append(args, "--file-locks")
	}
	return append(args, id)
}

// CRIUMemTrack reports whether CRIU can track the memory pages a process
// changed (the kernel's soft-dirty bits), which a pre-dump needs: `criu
// check --feature mem_dirty_track`.
func CRIUMemTrack(ctx context.Context) bool {
	path, err := exec.LookPath("criu")
	if err != nil {
		return false
	}
	return exec.CommandContext(ctx, path, "check", "--feature", "mem_dirty_track").Run() == nil
}

// CRIUVersion is `criu --version`'s version ("3.17.1"), "" when it cannot
// be read.
func CRIUVersion(ctx context.Context) string {
	path, err := exec.LookPath("criu")
	if err != nil {
		return ""
	}
	out, err := exec.CommandContext(ctx, path, "--version").Output()
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "Version:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// CRIUCheck runs `criu check`, CRIU's own test of whether it can work on
// this kernel, and returns nil when it passes, else its first error line
// (CRIU 3.17, say, fails on kernels of 6.13 and later, whose vDSO data area
// is split in two: "vdso: Unexpected rt vDSO area bounds"). A checkpoint
// that failed calls it to tell a machine where CRIU cannot work at all from
// one container that CRIU cannot dump.
func CRIUCheck(ctx context.Context) error {
	path, err := exec.LookPath("criu")
	if err != nil {
		return errors.New("criu is not installed (Debian: apt-get install criu)")
	}
	out, err := exec.CommandContext(ctx, path, "check").CombinedOutput()
	if err == nil {
		return nil
	}
	for _, l := range strings.Split(string(out), "\n") {
		if _, msg, ok := strings.Cut(l, "): "); ok && strings.HasPrefix(l, "Error") {
			return fmt.Errorf("criu check: %s", msg)
		}
	}
	return fmt.Errorf("criu check: %w", err)
}
