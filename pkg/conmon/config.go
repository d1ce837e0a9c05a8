package conmon

import (
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/pod-engine/pod/pkg/conmon/protocol"
)

// Log drivers the monitor writes.
const (
	LogDriverK8sFile  = protocol.LogDriverK8sFile  // "TIMESTAMP STREAM F|P text" per line (the default)
	LogDriverJSONFile = protocol.LogDriverJSONFile // Docker's {"log":...,"stream":...,"time":...} per line
	LogDriverNone     = protocol.LogDriverNone     // no log; attach clients still get the output
	LogDriverJournald = protocol.LogDriverJournald // each line to the systemd journal (native protocol)
)

// Packet types of the attach protocol (see the package documentation).
const (
	PacketStdin  = protocol.PacketStdin
	PacketStdout = protocol.PacketStdout
	PacketStderr = protocol.PacketStderr
	PacketExit   = protocol.PacketExit
	PacketResize = protocol.PacketResize
	PacketReady  = protocol.PacketReady
	PacketDetach = protocol.PacketDetach
	PacketDone   = protocol.PacketDone
)

// MaxPacket is the largest attach packet either side sends, type byte
// included.
const MaxPacket = protocol.MaxPacket

// Config is what the monitor needs to run one container:
//
//	ID           string
//	RuntimeArgv  []string // full argv of the runtime's create; the monitor just execs it
//	PidFile      string   // the --pid-file inside RuntimeArgv, read after create
//	LogPath      string   // the container log
//	LogDriver    string   // LogDriverK8sFile (default), LogDriverJSONFile, LogDriverJournald, LogDriverNone
//	Name         string   // the container's name (journald: CONTAINER_NAME)
//	LogTag       string   // journald: CONTAINER_TAG and SYSLOG_IDENTIFIER
//	LogMaxSize   int64    // >0: start the log afresh when it would grow beyond this
//	ExitFile     string   // written atomically when the container exits (see Exit)
//	AttachSocket string   // SOCK_SEQPACKET socket the monitor serves; "" = none
//	Stdin        bool     // give the container a stdin pipe attach clients write to
//	StdinOnce    bool     // close that pipe when the first attach client ends its stdin
//	ExitCommand  []string // run detached after ExitFile is written
//	Env          []string // environment of the runtime and exit command; nil = pod's own
//
//	Terminal      bool   // a pseudo-terminal for the container (spec's process.terminal)
//	ConsoleSocket string // the --console-socket in RuntimeArgv, where the terminal arrives
//
//	Client         bool          // set by StartAttached: its Conn is connected before the runtime runs
//	ClientCleans   bool          // that Conn does ExitCommand's work and says so with Conn.Done
//	HealthCommand  []string      // run detached every HealthInterval while the container runs
//	HealthInterval time.Duration
type Config = protocol.Config

// MonitorLogPath is where the monitor writes its own errors: next to the
// container log, or next to the exit file when there is no log.
func MonitorLogPath(cfg *Config) string {
	return cfg.MonitorLogPath()
}

// Started is what Start reports once the runtime's create succeeded.
type Started struct {
	PID        int // the container's init process
	MonitorPID int // the pod-conmon process
	// RuntimeTime is how long the runtime's create or run took, as the
	// monitor measured it (0 from a monitor that does not say).
	RuntimeTime time.Duration
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
