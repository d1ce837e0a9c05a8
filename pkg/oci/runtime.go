package oci

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// Runtime runs one OCI runtime binary (runc or crun; they share the
// command line this package uses) against one state directory.
type Runtime struct {
	Path string // the runtime binary
	// StateDir is passed as --root: it keeps pod's containers apart from
	// those of other users of the same runtime, and lives under the run
	// root so a reboot empties it.
	StateDir string
	// Flags are more global flags, without their leading "--" (podman's
	// --runtime-flag: "debug" is passed as --debug).
	Flags []string
	// Env is the environment of the runtime's commands (update, kill,
	// delete, ...); nil passes pod's own. Rootless, it names the user's
	// bus, where a container under the systemd cgroup manager has its
	// scope.
	Env []string

	specOnce    sync.Once
	specVersion string
}

// New returns a driver for the runtime binary at path.
func New(path, stateDir string) *Runtime {
	return &Runtime{Path: path, StateDir: stateDir}
}

// Name is the runtime's name ("runc", "crun"), from its binary.
func (r *Runtime) Name() string { return filepath.Base(r.Path) }

// globalArgs come before every verb: the state directory, and JSON logs
// on stderr so that ErrorMessage finds the runtime's own message.
func (r *Runtime) globalArgs() []string {
	args := []string{r.Path, "--root", r.StateDir, "--log-format", "json"}
	for _, f := range r.Flags {
		args = append(args, "--"+strings.TrimPrefix(f, "--"))
	}
	return args
}

// CreateArgs returns the full argv (argv[0] is Path) of `create` for the
// monitor to exec. consoleSocket "" means no terminal: the container then
// inherits the runtime's stdin, stdout and stderr, so on failure the
// runtime's error appears on the stderr the monitor holds, and
// ErrorMessage extracts it.
func (r *Runtime) CreateArgs(id, bundle, pidFile, consoleSocket string) []string {
	args := append(r.globalArgs(), "create", "--bundle", bundle, "--pid-file", pidFile)
	if consoleSocket != "" {
		args = append(args, "--console-socket", consoleSocket)
	}
	return append(args, id)
}

// WithSystemdCgroup returns argv (CreateArgs', RunArgs') with the
// runtime told to make the container's cgroup as a systemd scope over
// D-Bus: the cgroups path is then SLICE:PREFIX:NAME. runc and crun share
// the flag, and keep the choice in their state for later commands.
func WithSystemdCgroup(argv []string) []string {
	return append([]string{argv[0], "--systemd-cgroup"}, argv[1:]...)
}

// WithCgroupsDisabled returns argv (CreateArgs', RunArgs') with crun told
// to make no cgroup: the container stays in the cgroup of its caller, the
// monitor (--cgroups=disabled). runc has no such mode.
func WithCgroupsDisabled(argv []string) []string {
	return append([]string{argv[0], "--cgroup-manager=disabled"}, argv[1:]...)
}

// WithPreserveFDs returns argv (CreateArgs', RunArgs', ExecArgs') with the
// runtime told to hand its descriptors 3 to 3+n-1 to the container's
// process (runc's and crun's --preserve-fds, an option of the subcommand:
// it goes before the container ID, argv's last word).
func WithPreserveFDs(argv []string, n int) []string {
	if n <= 0 {
		return argv
	}
	last := len(argv) - 1
	out := append([]string(nil), argv[:last]...)
	out = append(out, "--preserve-fds", strconv.Itoa(n))
	return append(out, argv[last])
}

// RunArgs is CreateArgs for `run --detach`: create and start in one runtime
// process, for a container nobody needs to see created but not started.
func (r *Runtime) RunArgs(id, bundle, pidFile, consoleSocket string) []string {
	args := append(r.globalArgs(), "run", "--detach", "--bundle", bundle, "--pid-file", pidFile)
	if consoleSocket != "" {
		args = append(args, "--console-socket", consoleSocket)
	}
	return append(args, id)
}

// Start runs the user process of a created container.
func (r *Runtime) Start(ctx context.Context, id string) error {
	_, err := r.run(ctx, "start", id)
	return err
}

// Kill sends sig to the container's init process, or to all its processes
// when all is set.
func (r *Runtime) Kill(ctx context.Context, id string, sig unix.Signal, all bool) error {
	args := []string{"kill"}
	if all {
		args = append(args, "--all")
	}
	_, err := r.run(ctx, append(args, id, strconv.Itoa(int(sig)))...)
	return err
}

// Delete removes the runtime's record of the container; force kills it
// first if it runs. A container the runtime does not know is not an error,
// so cleanup can be repeated.
func (r *Runtime) Delete(ctx context.Context, id string, force bool) error {
	args := []string{"delete"}
	if force {
		args = append(args, "--force")
	}
	_, err := r.run(ctx, append(args, id)...)
	if errors.Is(err, errdefs.ErrNotFound) {
		return nil
	}
	return err
}

// State returns the runtime's view of the container (status "created",
// "running", "paused" or "stopped", and the init PID). A container the
// runtime does not know is an error wrapping errdefs.ErrNotFound.
func (r *Runtime) State(ctx context.Context, id string) (*specs.State, error) {
	out, err := r.run(ctx, "state", id)
	if err != nil {
		return nil, err
	}
	var st specs.State
	if err := json.Unmarshal(out, &st); err != nil {
		return nil, fmt.Errorf("%s state %s: decode %q: %w", r.Name(), id, out, err)
	}
	return &st, nil
}

// Pause freezes every process of the container.
func (r *Runtime) Pause(ctx context.Context, id string) error {
	_, err := r.run(ctx, "pause", id)
	return err
}

// Resume thaws a paused container.
func (r *Runtime) Resume(ctx context.Context, id string) error {
	_, err := r.run(ctx, "resume", id)
	return err
}

// run executes a runtime verb and returns its stdout. A failure carries the
// runtime's own message, categorised: an unknown container wraps
// errdefs.ErrNotFound, one in the wrong state errdefs.ErrConflict.
func (r *Runtime) run(ctx context.Context, args ...string) ([]byte, error) {
	argv := append(r.globalArgs(), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = r.Env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err == nil {
		return stdout.Bytes(), nil
	}
	what := r.Name() + " " + strings.Join(args, " ")
	if ctx.Err() != nil {
		return nil, fmt.Errorf("%s: %w", what, ctx.Err())
	}
	msg := ErrorMessage(stderr.Bytes())
	if msg == "" {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if kind := classify(msg); kind != nil {
		return nil, errdefs.WithCategory(fmt.Errorf("%s: %s", what, msg), kind)
	}
	return nil, fmt.Errorf("%s: %s", what, msg)
}

// classify maps runc's and crun's wording to an error category.
func classify(msg string) error {
	m := strings.ToLower(msg)
	switch {
	// runc: `container "x" does not exist`; crun: "error opening file
	// `/run/crun/x/status`: No such file or directory".
	case strings.Contains(m, "does not exist"),
		strings.Contains(m, "/status`: no such file or directory"),
		strings.Contains(m, "container not found"):
		return errdefs.ErrNotFound
	// runc: "container not running", "cannot kill a stopped container",
	// "cannot start an already running container"; crun: "container `x`
	// is not running", "is already running".
	case strings.Contains(m, "not running"),
		strings.Contains(m, "stopped container"),
		strings.Contains(m, "already running"),
		strings.Contains(m, "not paused"),
		strings.Contains(m, "already paused"):
		return errdefs.ErrConflict
	}
	return nil
}
