package oci

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/spec"
)

// runcRuntime returns a driver for the host's runc with a private state
// directory, skipping when the test cannot run containers.
func runcRuntime(t *testing.T) *Runtime {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	path, err := exec.LookPath("runc")
	if err != nil {
		t.Skip("runc not installed")
	}
	return New(path, t.TempDir())
}

// bundle writes a bundle running args in a busybox root filesystem.
func bundle(t *testing.T, args ...string) string {
	t.Helper()
	bb, err := exec.LookPath("busybox")
	if err != nil {
		t.Skip("busybox not installed")
	}
	dir := t.TempDir()
	root := filepath.Join(dir, "rootfs")
	for _, d := range []string{"bin", "etc", "proc", "sys", "dev", "data"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(bb)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "bin", "busybox"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"sh", "sleep", "echo"} {
		if err := os.Symlink("busybox", filepath.Join(root, "bin", a)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "etc", "notexec"), []byte("text\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := spec.Generate(spec.Options{Rootfs: root, Args: args, Hostname: "ocitest"})
	if err != nil {
		t.Fatal(err)
	}
	if err := spec.WriteBundle(dir, s); err != nil {
		t.Fatal(err)
	}
	return dir
}

// create execs the argv of CreateArgs as the monitor would, with the
// container's stdio on files so that nothing waits for the container.
func create(t *testing.T, r *Runtime, id, dir string) (stderr string, err error) {
	t.Helper()
	out, e := os.Create(filepath.Join(t.TempDir(), "stdio"))
	if e != nil {
		t.Fatal(e)
	}
	defer out.Close()
	argv := r.CreateArgs(id, dir, filepath.Join(dir, "pid"), "")
	if argv[0] != r.Path {
		t.Fatalf("argv[0] = %q, want %q", argv[0], r.Path)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = out, out
	err = cmd.Run()
	t.Cleanup(func() { r.Delete(context.Background(), id, true) })
	b, e := os.ReadFile(out.Name())
	if e != nil {
		t.Fatal(e)
	}
	return string(b), err
}

// waitStatus polls the runtime until the container reaches want: the
// state changes asynchronously after a kill.
func waitStatus(t *testing.T, r *Runtime, id string, want specs.ContainerState) {
	t.Helper()
	ctx := context.Background()
	for i := 0; ; i++ {
		st, err := r.State(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if st.Status == want {
			return
		}
		if i == 500 {
			t.Fatalf("status %s, want %s", st.Status, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRuntimeLifecycle(t *testing.T) {
	r := runcRuntime(t)
	ctx := context.Background()
	id := fmt.Sprintf("oci-test-%d", os.Getpid())
	dir := bundle(t, "sleep", "1000")
	if out, err := create(t, r, id, dir); err != nil {
		t.Fatalf("create: %v: %s", err, out)
	}

	st, err := r.State(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	pidData, err := os.ReadFile(filepath.Join(dir, "pid"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != "created" || strconv.Itoa(st.Pid) != strings.TrimSpace(string(pidData)) || st.ID != id {
		t.Fatalf("after create: %+v, pid file %q", st, pidData)
	}

	if err := r.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, r, id, "running")
	if err := r.Start(ctx, id); !errors.Is(err, errdefs.ErrConflict) {
		t.Errorf("second start: %v, want a conflict", err)
	}

	if err := r.Pause(ctx, id); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, r, id, "paused")
	if err := r.Resume(ctx, id); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, r, id, "running")

	if err := r.Kill(ctx, id, unix.SIGKILL, true); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, r, id, "stopped")

	if err := r.Delete(ctx, id, false); err != nil {
		t.Fatal(err)
	}
	if _, err := r.State(ctx, id); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("state after delete: %v, want not found", err)
	}
	if err := r.Delete(ctx, id, true); err != nil {
		t.Errorf("delete of an unknown container: %v", err)
	}
	if err := r.Kill(ctx, id, unix.SIGTERM, false); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("kill of an unknown container: %v, want not found", err)
	}
}

// TestRuntimeExecErrors checks that a command that cannot run yields the
// runtime's own message and the category the CLI maps to Docker's exit code.
func TestRuntimeExecErrors(t *testing.T) {
	r := runcRuntime(t)
	ctx := context.Background()
	for i, tc := range []struct {
		name, cmd, msg string
		cat            error
	}{
		{"not in PATH", "nosuch", `exec: "nosuch": executable file not found in $PATH`, errdefs.ErrCommandNotFound},
		{"absent path", "/nosuch", "no such file or directory", errdefs.ErrCommandNotFound},
		{"not executable", "/etc/notexec", `exec: "/etc/notexec": permission denied`, errdefs.ErrCannotInvoke},
		{"a directory", "/etc", `exec: "/etc"`, errdefs.ErrCannotInvoke},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := fmt.Sprintf("oci-err-%d-%d", os.Getpid(), i)
			stderr, err := create(t, r, id, bundle(t, tc.cmd))
			var msg string
			if err != nil {
				msg = ErrorMessage([]byte(stderr))
			} else {
				// A runtime may find out only when it execs, at start.
				err = r.Start(ctx, id)
				if err == nil {
					t.Fatal("the container started")
				}
				msg = err.Error()
			}
			if !strings.Contains(msg, tc.msg) {
				t.Errorf("message %q lacks %q (stderr %q)", msg, tc.msg, stderr)
			}
			if strings.Contains(msg, "exit status") {
				t.Errorf("message %q is not the runtime's", msg)
			}
			if got := ExecFailure(msg); got != tc.cat {
				t.Errorf("ExecFailure(%q) = %v, want %v", msg, got, tc.cat)
			}
		})
	}
}

func TestWithPreserveFDs(t *testing.T) {
	argv := []string{"runc", "--root", "/r", "run", "--detach", "--bundle", "/b", "ctr"}
	got := strings.Join(WithPreserveFDs(argv, 2), " ")
	if got != "runc --root /r run --detach --bundle /b --preserve-fds 2 ctr" {
		t.Errorf("got %q", got)
	}
	if got := WithPreserveFDs(argv, 0); len(got) != len(argv) {
		t.Errorf("n=0 changed argv: %v", got)
	}
	if argv[len(argv)-1] != "ctr" {
		t.Errorf("argv changed: %v", argv)
	}
}
