// Package cli holds what every pod subcommand shares: the global flags, the
// way a command opens the engine, and the mapping from errors to exit codes.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/inherit"
	"github.com/pod-engine/pod/pkg/timings"
)

// Exit codes shared with Docker and Podman.
const (
	ExitEngine    = 125 // the engine itself failed
	ExitCannotRun = 126 // the command could not be invoked
	ExitNotFound  = 127 // the command was not found
)

// Globals are the flags that every command accepts.
type Globals struct {
	Root          string
	RunRoot       string
	StorageDriver string
	StorageOpts   []string
	LogLevel      string
	Runtime       string
	CgroupManager string
	// NotifySocket is NOTIFY_SOCKET, which main takes out of the
	// environment: a systemd unit's sd_notify socket.
	NotifySocket string
	// Inherited is what pod's caller handed down beyond stdio, which
	// main takes first thing: systemd's sockets (run and start pass them
	// into the container) and descriptors for --preserve-fds.
	Inherited *inherit.Set
	// Timings asks for the table of where the command's time went
	// (--timings, or POD_TIMINGS=1); Recorder collects it once asked.
	Timings  bool
	Recorder *timings.Recorder

	// The global flags podman has that set engine options (see
	// engine.Options) rather than this process's own behaviour.
	RuntimeFlags   []string
	EventsBackend  string
	VolumePath     string
	NetworkCmdPath string
	Conmon         string
	Modules        []string
	HooksDirs      []string
	Syslog         bool

	// Stdout is where pod's own output goes (--noout and --out send it
	// elsewhere); CtrStdout, when set, is where an attached container's
	// output goes instead, which those flags leave alone.
	Stdout    io.Writer
	CtrStdout io.Writer
	Stderr    io.Writer
	Stdin     io.Reader
}

// ContainerStdout is where an attached container's (or exec session's)
// standard output goes: the real stdout even under --noout or --out.
func (g *Globals) ContainerStdout() io.Writer {
	if g.CtrStdout != nil {
		return g.CtrStdout
	}
	return g.Stdout
}

// NewGlobals returns globals wired to the process's standard streams.
func NewGlobals() *Globals {
	return &Globals{Stdout: os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin, LogLevel: "warn"}
}

// EngineOptions are the engine options the global flags give.
func (g *Globals) EngineOptions() engine.Options {
	return engine.Options{
		GraphRoot:     g.Root,
		RunRoot:       g.RunRoot,
		StorageDriver: g.StorageDriver,
		StorageOpts:   g.StorageOpts,
		OCIRuntime:    g.Runtime,
		CgroupManager: g.CgroupManager,
		LogLevel:      g.LogLevel,
		NotifySocket:  g.NotifySocket,

		RuntimeFlags:   g.RuntimeFlags,
		EventsBackend:  g.EventsBackend,
		VolumePath:     g.VolumePath,
		NetworkCmdPath: g.NetworkCmdPath,
		MonitorPath:    g.Conmon,
		ConfigModules:  g.Modules,
		HooksDirs:      g.HooksDirs,
		Syslog:         g.Syslog,
	}
}

// Reexecuting puts back what main took from the process for a pod that
// is about to execute itself again (rootless, into its user namespace):
// NOTIFY_SOCKET, socket activation and the inherited descriptors.
func (g *Globals) Reexecuting() {
	if g.NotifySocket != "" {
		os.Setenv("NOTIFY_SOCKET", g.NotifySocket)
	}
	g.Inherited.Restore()
}

// Open opens the engine with the global options. The caller must Close it.
func (g *Globals) Open(ctx context.Context) (*engine.Runtime, error) {
	return engine.Open(ctx, g.EngineOptions())
}

// OpenContainers opens the engine for a command that only uses container
// operations: storage is opened when one needs it, not up front, so that
// reading container state (ps, wait, logs) costs nothing per image, layer or
// container in storage. The caller must Close it.
func (g *Globals) OpenContainers(ctx context.Context) (*engine.Runtime, error) {
	opts := g.EngineOptions()
	opts.LazyStorage = true
	return engine.Open(ctx, opts)
}

// OpenExisting is OpenContainers for a command that has nothing to do
// without an installation (the monitor's cleanup): it fails with
// engine.ErrNoState, creating nothing, when there is no state DB.
func (g *Globals) OpenExisting(ctx context.Context) (*engine.Runtime, error) {
	opts := g.EngineOptions()
	opts.NotifySocket = ""
	opts.LazyStorage, opts.Existing = true, true
	return engine.Open(ctx, opts)
}

// ExitError carries a specific exit code out of a command. A nil Err means
// the code alone is the result (a container's own exit status).
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// Exit returns an error that makes pod exit with code and print nothing.
func Exit(code int) error { return &ExitError{Code: code} }

// ExitCode picks the process exit code for an error returned by a command.
// It is the one place that maps an error's category (pkg/errdefs) to a
// code, as Docker and podman do: 127 for a container command that does not
// exist, 126 for one that cannot be invoked, 125 for every other failure of
// the engine. An ExitError's own code wins: it is a container's own exit
// status (run, start -a, exec, wait) or a command's documented code.
func ExitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *ExitError
	switch {
	case errors.As(err, &ee):
		return ee.Code
	case errdefs.IsCommandNotFound(err):
		return ExitNotFound
	case errdefs.IsCannotInvoke(err):
		return ExitCannotRun
	}
	return ExitEngine
}

// Message is the one line printed for err, or "" when nothing is printed.
// Categories add no words to messages (pkg/errdefs), so err's own text is
// what people read.
func Message(err error) string {
	var ee *ExitError
	if errors.As(err, &ee) && ee.Err == nil {
		return ""
	}
	return "Error: " + strings.ReplaceAll(err.Error(), "\n", " ")
}
