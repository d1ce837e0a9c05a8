package conmon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/pod-engine/pod/pkg/conmon/protocol"
)

// BinaryName is the monitor's executable name.
const BinaryName = "pod-conmon"

// monitorEnv is the monitor's own environment: one P is all a
// single-goroutine event loop needs, and with it fixed the runtime need not
// keep the cgroup's CPU limit files open to follow them. The runtime and the
// exit command get Config.Env instead.
var monitorEnv = []string{"GOMAXPROCS=1", "GODEBUG=containermaxprocs=0,updatemaxprocs=0"}

// FindBinary locates pod-conmon: next to the running executable first (an
// installed or test copy of pod travels with its monitor), then in $PATH,
// then in /usr/libexec/pod.
func FindBinary() (string, error) {
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), BinaryName)
		if isExecutable(p) {
			return p, nil
		}
	}
	if p, err := exec.LookPath(BinaryName); err == nil {
		return filepath.Abs(p)
	}
	for _, dir := range []string{"/usr/libexec/pod", "/usr/local/libexec/pod"} {
		p := filepath.Join(dir, BinaryName)
		if isExecutable(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found next to %s, in $PATH or /usr/libexec/pod: %w", BinaryName, os.Args[0], os.ErrNotExist)
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0
}

// Start spawns the monitor, which runs the runtime's create, and returns once
// create is done. The monitor outlives the caller: it is started with setsid,
// in a session of its own, and not killed with the caller; while the caller
// runs, the caller reaps it. It runs in "/", so paths in RuntimeArgv and
// ExitCommand must be absolute (the program itself is looked up in $PATH
// here). When the runtime fails, the error is a *CreateError carrying the
// runtime's own output.
func Start(ctx context.Context, monitorBinary string, cfg Config) (*Started, error) {
	if cfg.Client || cfg.ClientCleans {
		return nil, errNoClient
	}
	return start(ctx, monitorBinary, cfg, nil)
}

func start(ctx context.Context, monitorBinary string, cfg Config, client *os.File) (*Started, error) {
	if cfg.ID == "" || len(cfg.RuntimeArgv) == 0 || cfg.PidFile == "" || cfg.ExitFile == "" {
		return nil, errors.New("start monitor: ID, RuntimeArgv, PidFile and ExitFile are required")
	}
	switch cfg.LogDriver {
	case "", LogDriverK8sFile, LogDriverJSONFile, LogDriverNone, LogDriverJournald:
	default:
		return nil, fmt.Errorf("start monitor: unknown log driver %q", cfg.LogDriver)
	}
	if cfg.LogDriver == LogDriverJournald {
		cfg.LogPath = "" // the journal is the log
	} else if cfg.LogDriver != LogDriverNone && cfg.LogPath == "" {
		return nil, errors.New("start monitor: LogPath is required with a log driver")
	}
	if cfg.Env == nil {
		cfg.Env = os.Environ()
	}
	// Resolve programs here, with pod's $PATH, so the monitor only execs.
	var err error
	if cfg.RuntimeArgv, err = resolveArgv0(cfg.RuntimeArgv); err != nil {
		return nil, fmt.Errorf("start monitor: %w", err)
	}
	if len(cfg.ExitCommand) > 0 {
		if cfg.ExitCommand, err = resolveArgv0(cfg.ExitCommand); err != nil {
			return nil, fmt.Errorf("start monitor: exit command: %w", err)
		}
	}
	// The monitor runs in "/" so that it pins no directory for the
	// container's lifetime: its own paths must not be relative.
	if cfg.Terminal && cfg.ConsoleSocket == "" {
		return nil, errors.New("start monitor: a terminal needs ConsoleSocket (and --console-socket in RuntimeArgv)")
	}
	for _, p := range []*string{&cfg.PidFile, &cfg.LogPath, &cfg.ExitFile, &cfg.AttachSocket, &cfg.ConsoleSocket} {
		if *p != "" {
			if *p, err = filepath.Abs(*p); err != nil {
				return nil, fmt.Errorf("start monitor: %w", err)
			}
		}
	}
	data := cfg.Encode()

	cfgR, cfgW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("start monitor: %w", err)
	}
	defer cfgW.Close()
	syncR, syncW, err := os.Pipe()
	if err != nil {
		cfgR.Close()
		return nil, fmt.Errorf("start monitor: %w", err)
	}
	defer syncR.Close()

	cmd := exec.Command(monitorBinary, cfg.ID)
	cmd.Dir = "/"
	cmd.ExtraFiles = []*os.File{cfgR, syncW} // fds 3 and 4
	if client != nil {
		cmd.ExtraFiles = append(cmd.ExtraFiles, client) // protocol.ClientFD
	}
	// The last len(PassFiles) of the descriptors _POD_CONMON_FDS counts.
	cmd.ExtraFiles = append(cmd.ExtraFiles, cfg.PassFiles...)
	cmd.Env = append([]string{protocol.FDsEnv + "=" + strconv.Itoa(3+len(cmd.ExtraFiles))}, monitorEnv...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	cfgR.Close()
	syncW.Close()
	if err != nil {
		return nil, fmt.Errorf("start monitor %s: %w", monitorBinary, err)
	}
	// The monitor is this process's child (one exec, no double fork):
	// the reaper collects it whenever it exits.
	children.adopt(cmd.Process)
	_, werr := cfgW.Write(data)
	cfgW.Close()
	if werr != nil {
		return nil, fmt.Errorf("start monitor: send config: %w", werr)
	}

	msg, err := readSync(ctx, syncR)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("start monitor: %w", ctx.Err())
		}
		return nil, fmt.Errorf("start monitor: %w%s", err, monitorLogTail(&cfg))
	}
	switch {
	case msg.CreateFailed:
		return nil, &CreateError{Stderr: msg.Stderr, RuntimeStatus: msg.RuntimeStatus}
	case msg.Error != "":
		return nil, fmt.Errorf("monitor: %s", msg.Error)
	case msg.PID <= 0:
		return nil, errors.New("monitor reported no container PID")
	}
	return &Started{PID: msg.PID, MonitorPID: msg.MonitorPID, RuntimeTime: time.Duration(msg.RuntimeNanos)}, nil
}

func resolveArgv0(argv []string) ([]string, error) {
	if filepath.IsAbs(argv[0]) {
		return argv, nil
	}
	p, err := exec.LookPath(argv[0])
	if err != nil {
		return nil, err
	}
	if p, err = filepath.Abs(p); err != nil {
		return nil, err
	}
	out := append([]string{p}, argv[1:]...)
	return out, nil
}

// readSync reads the monitor's one message; ctx cancels the wait.
func readSync(ctx context.Context, r *os.File) (*protocol.SyncMessage, error) {
	stop := context.AfterFunc(ctx, func() { r.SetReadDeadline(time.Now()) })
	defer stop()
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read sync pipe: %w", err)
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, errors.New("monitor exited without reporting")
	}
	var msg protocol.SyncMessage
	if err := json.Unmarshal(b, &msg); err != nil {
		return nil, fmt.Errorf("parse sync message %q: %w", b, err)
	}
	return &msg, nil
}

// monitorLogTail adds the monitor's own error log, if it wrote one.
func monitorLogTail(cfg *Config) string {
	b, err := os.ReadFile(MonitorLogPath(cfg))
	if err != nil || len(bytes.TrimSpace(b)) == 0 {
		return ""
	}
	return ": " + string(bytes.TrimSpace(b))
}
