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
// child as the subreaper. imagePath holds the checkpoint, workPath
// receives restore.log.
func (r *Runtime) RestoreArgs(id, bundle, pidFile, imagePath, workPath string, tcpEstablished bool) []string {
	args := append(r.globalArgs(), "restore", "--detach", "--bundle", bundle, "--pid-file", pidFile,
		"--image-path", imagePath, "--work-path", workPath)
	if tcpEstablished {
		args = append(args, "--tcp-established")
	}
	return append(args, id)
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
