package conmon

import (
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"time"
)

// Log drivers the monitor writes.
const (
	LogDriverK8sFile  = "k8s-file"  // "TIMESTAMP STREAM F|P text" per line (the default)
	LogDriverJSONFile = "json-file" // Docker's {"log":...,"stream":...,"time":...} per line
	LogDriverNone     = "none"      // no log; attach clients still get the output
)

// Packet types of the attach protocol (see the package documentation).
const (
	PacketStdin  byte = 0
	PacketStdout byte = 1
	PacketStderr byte = 2
	PacketExit   byte = 3
	PacketResize byte = 4
	PacketReady  byte = 5
)

// MaxPacket is the largest attach packet either side sends, type byte
// included.
const MaxPacket = 1 + 32*1024

// Config is what the monitor needs to run one container.
type Config struct {
	ID           string   `json:"id"`
	RuntimeArgv  []string `json:"runtimeArgv"`  // full argv of the runtime's create; the monitor just execs it
	PidFile      string   `json:"pidFile"`      // the --pid-file inside RuntimeArgv, read after create
	LogPath      string   `json:"logPath"`      // the container log
	LogDriver    string   `json:"logDriver"`    // LogDriverK8sFile (default), LogDriverJSONFile, LogDriverNone
	LogMaxSize   int64    `json:"logMaxSize"`   // >0: start the log afresh when it would grow beyond this
	ExitFile     string   `json:"exitFile"`     // written atomically when the container exits (see Exit)
	AttachSocket string   `json:"attachSocket"` // SOCK_SEQPACKET socket the monitor serves; "" = none
	Stdin        bool     `json:"stdin"`        // give the container a stdin pipe attach clients write to
	StdinOnce    bool     `json:"stdinOnce"`    // close that pipe when the first attach client ends its stdin
	ExitCommand  []string `json:"exitCommand"`  // run detached after ExitFile is written
	Env          []string `json:"env"`          // environment of the runtime and exit command; nil = pod's own
}

// MonitorLogPath is where the monitor writes its own errors: next to the
// container log, or next to the exit file when there is no log.
func MonitorLogPath(cfg *Config) string {
	if cfg.LogPath != "" && cfg.LogDriver != LogDriverNone {
		return cfg.LogPath + ".monitor"
	}
	return cfg.ExitFile + ".monitor"
}

// Started is what Start reports once the runtime's create succeeded.
type Started struct {
	PID        int // the container's init process
	MonitorPID int // the pod-conmon process
}

// CreateError is the runtime's create failing. Stderr is the runtime's own
// output (runc writes logrus lines such as
// `time="..." level=error msg="runc create failed: ..."`).
type CreateError struct {
	Stderr string
	// RuntimeStatus is the runtime's exit status (128+N for a signal).
	RuntimeStatus int
}

func (e *CreateError) Error() string {
	return "OCI runtime create failed: " + e.Message()
}

// Message is the runtime's error in one line: the msg of the last
// level=error logrus line (runc), else the last non-empty line (crun).
func (e *CreateError) Message() string {
	lines := strings.Split(strings.TrimSpace(e.Stderr), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if m, ok := logrusMsg(lines[i]); ok {
			return m
		}
	}
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			return l
		}
	}
	return "runtime exited with status " + strconv.Itoa(e.RuntimeStatus)
}

// logrusMsg extracts msg="..." from a logrus text line at level error or
// fatal.
func logrusMsg(line string) (string, bool) {
	if !strings.Contains(line, "level=error") && !strings.Contains(line, "level=fatal") {
		return "", false
	}
	_, rest, ok := strings.Cut(line, " msg=")
	if !ok {
		return "", false
	}
	if strings.HasPrefix(rest, `"`) {
		if q, err := strconv.QuotedPrefix(rest); err == nil {
			if s, err := strconv.Unquote(q); err == nil {
				return s, true
			}
		}
	}
	m, _, _ := strings.Cut(rest, " ")
	return m, true
}

// SyncMessage is what the monitor writes on the sync pipe (fd 4).
type SyncMessage struct {
	PID           int    `json:"pid,omitempty"`
	MonitorPID    int    `json:"monitorPid,omitempty"`
	Error         string `json:"error,omitempty"`         // the monitor itself failed
	Stderr        string `json:"stderr,omitempty"`        // the runtime's output when create failed
	RuntimeStatus int    `json:"runtimeStatus,omitempty"` // the runtime's exit status when create failed
	CreateFailed  bool   `json:"createFailed,omitempty"`
}

// Exit is the content of the exit file.
type Exit struct {
	Code       int       `json:"exitCode"`  // as a shell reports it: the status, or 128+signal
	OOMKilled  bool      `json:"oomKilled"` // the kernel's OOM killer acted in the container's memory cgroup
	FinishedAt time.Time `json:"finishedAt"`
}

// ReadExit reads an exit file. While the container runs the file does not
// exist and the error satisfies errors.Is(err, os.ErrNotExist).
func ReadExit(path string) (*Exit, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var e Exit
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, &os.PathError{Op: "parse exit file", Path: path, Err: err}
	}
	return &e, nil
}
