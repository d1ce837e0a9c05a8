// Package protocol is what pod and pod-conmon must agree on: the Config and
// how it travels, the attach packet types, the sync message and the exit
// file. pkg/conmon documents the protocol and re-exports what callers need.
//
// It imports no reflection, formatting or encoding package on purpose: the
// monitor links it, and one monitor runs per container.
package protocol

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Log drivers the monitor writes.
const (
	LogDriverK8sFile  = "k8s-file"  // "TIMESTAMP STREAM F|P text" per line (the default)
	LogDriverJSONFile = "json-file" // Docker's {"log":...,"stream":...,"time":...} per line
	LogDriverNone     = "none"      // no log; attach clients still get the output
	// LogDriverJournald sends each line to the systemd journal over its
	// native protocol (JournalSocket), with the fields conmon gives them:
	// MESSAGE, CONTAINER_ID, CONTAINER_ID_FULL, CONTAINER_NAME,
	// CONTAINER_TAG, SYSLOG_IDENTIFIER, PRIORITY (6 stdout, 3 stderr) and
	// CONTAINER_PARTIAL_MESSAGE=true on a piece of a longer line.
	LogDriverJournald = "journald"
)

// JournalSocket is where systemd-journald receives native-protocol
// datagrams.
const JournalSocket = "/run/systemd/journal/socket"

// Packet types of the attach protocol.
const (
	PacketStdin  byte = 0 // client → monitor: [0][data], or [0] alone for the end of stdin
	PacketStdout byte = 1 // monitor → client: [1][data]
	PacketStderr byte = 2 // monitor → client: [2][data]
	PacketExit   byte = 3 // monitor → client: [3][int32 big-endian exit code], then close
	PacketResize byte = 4 // client → monitor: [4][rows uint16][cols uint16], for a terminal
	PacketReady  byte = 5 // monitor → client: [5], first packet, once the client is registered
	PacketDetach byte = 6 // client → monitor: [6], the client leaves without ending its stdin
	PacketDone   byte = 7 // client → monitor: [7], the client did the exit command's work (Config.ClientCleans)
)

// ClientFD is the monitor's descriptor of the attach client pod connects
// before the runtime runs (Config.Client).
const ClientFD = 5

// FDsEnv, in the monitor's environment, is how many descriptors (0 up to
// it, exclusive) pod hands down on purpose; anything above is an accident
// of pod's own caller, which the monitor must not keep.
const FDsEnv = "_POD_CONMON_FDS"

// MaxPacket is the largest attach packet either side sends, type byte
// included.
const MaxPacket = 1 + 32*1024

// Config is what the monitor needs to run one container.
type Config struct {
	ID           string
	RuntimeArgv  []string // full argv of the runtime's create; the monitor just execs it
	PidFile      string   // the --pid-file inside RuntimeArgv, read after create
	LogPath      string   // the container log
	LogDriver    string   // LogDriverK8sFile (default), LogDriverJSONFile, LogDriverJournald, LogDriverNone
	Name         string   // the container's name (journald: CONTAINER_NAME)
	LogTag       string   // journald: CONTAINER_TAG and SYSLOG_IDENTIFIER
	LogMaxSize   int64    // >0: start the log afresh when it would grow beyond this
	ExitFile     string   // written atomically when the container exits
	AttachSocket string   // SOCK_SEQPACKET socket the monitor serves; "" = none
	Stdin        bool     // give the container a stdin pipe attach clients write to
	StdinOnce    bool     // close that pipe when the first attach client ends its stdin
	ExitCommand  []string // run detached after ExitFile is written
	Env          []string // environment of the runtime and exit command

	// Terminal gives the container a pseudo-terminal (its spec must say
	// process.terminal): RuntimeArgv must carry --console-socket
	// ConsoleSocket, where the monitor receives the terminal's master.
	// Output then arrives as stdout only, and resize packets apply.
	Terminal      bool
	ConsoleSocket string

	// Client says ClientFD is a connected attach client (one end of a
	// socketpair), registered before the runtime runs: it sees all of the
	// output of a process that starts as soon as the runtime returns (an
	// exec session, a create-and-start), without dialling AttachSocket.
	Client bool
	// ClientCleans says that client does what ExitCommand would do. When it
	// is still connected at the exit, the monitor sends it the exit packet
	// and waits: PacketDone means the work is done, and ExitCommand is not
	// run; hanging up without it (a killed pod) runs ExitCommand after all.
	ClientCleans bool

	// HealthCommand, when set, is run detached every HealthInterval while
	// the container runs (pod's `healthcheck run ID`), never two at once.
	HealthCommand  []string
	HealthInterval time.Duration

	// Timeout, when positive, is how long the container may run: then the
	// monitor sends its init SIGKILL (podman's run --timeout).
	Timeout time.Duration
	// NotifySocket, when set, is the sd_notify socket (systemd's
	// NOTIFY_SOCKET) the monitor tells, once the container runs, that it is
	// the service's main process (MAINPID); with NotifyReady also that the
	// service is ready (READY=1): pod's --sdnotify=conmon. Without
	// NotifyReady the container's own process sends READY=1
	// (--sdnotify=container).
	NotifySocket string
	NotifyReady  bool
	// NotifyProxy, when set with NotifySocket, is a datagram socket the
	// monitor binds before the runtime runs and the container sees as its
	// NOTIFY_SOCKET (--sdnotify=container): what the container's process
	// sends there the monitor passes on to NotifySocket as its own. systemd
	// takes notifications only from the unit's processes (its cgroup's and
	// its main PID, the monitor), and the container's process is neither.
	NotifyProxy string

	// PassFiles are pod's descriptors that the runtime hands the
	// container's process (or the exec'd one) at 3 and up: systemd's
	// sockets, --preserve-fds. pkg/conmon gives them to the monitor right
	// after the protocol's descriptors (the last PreserveFDs of the
	// _POD_CONMON_FDS it names), the monitor gives them to the runtime at
	// 3 and up, and RuntimeArgv must carry --preserve-fds with their
	// number. They are not encoded: Encode records their number, which
	// Decode returns as PreserveFDs.
	PassFiles   []*os.File
	PreserveFDs int
}

// MonitorLogPath is where the monitor writes its own errors: next to the
// container log, or next to the exit file when there is no log.
func (c *Config) MonitorLogPath() string {
	if c.LogPath != "" && c.LogDriver != LogDriverNone && c.LogDriver != LogDriverJournald {
		return c.LogPath + ".monitor"
	}
	return c.ExitFile + ".monitor"
}

// Encode serialises the config as NUL-terminated "key=value" records, a
// list as one record per element. Arguments, environment entries and paths
// cannot contain NUL, so nothing needs escaping and decoding needs no
// parser library.
func (c *Config) Encode() []byte {
	var b []byte
	put := func(k, v string) {
		b = append(b, k...)
		b = append(b, '=')
		b = append(b, v...)
		b = append(b, 0)
	}
	put("id", c.ID)
	for _, a := range c.RuntimeArgv {
		put("runtimeArg", a)
	}
	put("pidFile", c.PidFile)
	put("logPath", c.LogPath)
	put("logDriver", c.LogDriver)
	put("logMaxSize", strconv.FormatInt(c.LogMaxSize, 10))
	if c.Name != "" {
		put("name", c.Name)
	}
	if c.LogTag != "" {
		put("logTag", c.LogTag)
	}
	put("exitFile", c.ExitFile)
	put("attachSocket", c.AttachSocket)
	put("stdin", strconv.FormatBool(c.Stdin))
	put("stdinOnce", strconv.FormatBool(c.StdinOnce))
	for _, a := range c.ExitCommand {
		put("exitArg", a)
	}
	for _, e := range c.Env {
		put("env", e)
	}
	if c.Terminal {
		put("terminal", "true")
		put("consoleSocket", c.ConsoleSocket)
	}
	if c.Client {
		put("client", "true")
	}
	if c.ClientCleans {
		put("clientCleans", "true")
	}
	for _, a := range c.HealthCommand {
		put("healthArg", a)
	}
	if c.HealthInterval > 0 {
		put("healthInterval", strconv.FormatInt(int64(c.HealthInterval), 10))
	}
	if c.Timeout > 0 {
		put("timeout", strconv.FormatInt(int64(c.Timeout), 10))
	}
	if c.NotifySocket != "" {
		put("notifySocket", c.NotifySocket)
		put("notifyReady", strconv.FormatBool(c.NotifyReady))
		if c.NotifyProxy != "" {
			put("notifyProxy", c.NotifyProxy)
		}
	}
	if n := len(c.PassFiles); n > 0 {
		put("preserveFDs", strconv.Itoa(n))
	}
	return b
}

// Decode parses what Encode produced. It allocates next to nothing: every
// value is a substring of one copy of b and the lists share one backing
// array, each with room for exactly its records. The monitor decodes its
// config once and keeps it for its life, and each distinct allocation size
// would hold a span of heap in every monitor's memory.
func Decode(b []byte) (*Config, error) {
	s := string(b)
	// First pass: how many records each list has.
	var nRuntime, nExit, nEnv, nHealth int
	for rest := s; rest != ""; {
		var rec string
		rec, rest, _ = strings.Cut(rest, "\x00")
		k, _, _ := strings.Cut(rec, "=")
		switch k {
		case "runtimeArg":
			nRuntime++
		case "exitArg":
			nExit++
		case "env":
			nEnv++
		case "healthArg":
			nHealth++
		}
	}
	c := &Config{}
	if lists := nRuntime + nExit + nEnv + nHealth; lists > 0 {
		all := make([]string, lists)
		// Full slice expressions: an append never runs into the next
		// list. A list without records stays nil, as append leaves it.
		carve := func(n int) []string {
			if n == 0 {
				return nil
			}
			l := all[:0:n]
			all = all[n:]
			return l
		}
		c.RuntimeArgv = carve(nRuntime)
		c.ExitCommand = carve(nExit)
		c.Env = carve(nEnv)
		c.HealthCommand = carve(nHealth)
	}
	for len(s) > 0 {
		rec, rest, ok := strings.Cut(s, "\x00")
		if !ok {
			return nil, errors.New("config: record without terminator")
		}
		s = rest
		k, val, ok := strings.Cut(rec, "=")
		if !ok {
			return nil, errors.New("config: record without '=': " + rec)
		}
		var err error
		switch k {
		case "id":
			c.ID = val
		case "runtimeArg":
			c.RuntimeArgv = append(c.RuntimeArgv, val)
		case "pidFile":
			c.PidFile = val
		case "logPath":
			c.LogPath = val
		case "logDriver":
			c.LogDriver = val
		case "logMaxSize":
			c.LogMaxSize, err = strconv.ParseInt(val, 10, 64)
		case "name":
			c.Name = val
		case "logTag":
			c.LogTag = val
		case "exitFile":
			c.ExitFile = val
		case "attachSocket":
			c.AttachSocket = val
		case "stdin":
			c.Stdin, err = strconv.ParseBool(val)
		case "stdinOnce":
			c.StdinOnce, err = strconv.ParseBool(val)
		case "exitArg":
			c.ExitCommand = append(c.ExitCommand, val)
		case "env":
			c.Env = append(c.Env, val)
		case "terminal":
			c.Terminal, err = strconv.ParseBool(val)
		case "consoleSocket":
			c.ConsoleSocket = val
		case "client":
			c.Client, err = strconv.ParseBool(val)
		case "clientCleans":
			c.ClientCleans, err = strconv.ParseBool(val)
		case "healthArg":
			c.HealthCommand = append(c.HealthCommand, val)
		case "healthInterval":
			var n int64
			n, err = strconv.ParseInt(val, 10, 64)
			c.HealthInterval = time.Duration(n)
		case "timeout":
			var n int64
			n, err = strconv.ParseInt(val, 10, 64)
			c.Timeout = time.Duration(n)
		case "notifySocket":
			c.NotifySocket = val
		case "notifyReady":
			c.NotifyReady, err = strconv.ParseBool(val)
		case "notifyProxy":
			c.NotifyProxy = val
		case "preserveFDs":
			c.PreserveFDs, err = strconv.Atoi(val)
		default:
			return nil, errors.New("config: unknown key " + k)
		}
		if err != nil {
			return nil, errors.New("config: " + k + ": " + err.Error())
		}
	}
	if c.ID == "" || len(c.RuntimeArgv) == 0 || c.PidFile == "" || c.ExitFile == "" {
		return nil, errors.New("config: id, runtimeArg, pidFile and exitFile are required")
	}
	if c.Terminal && c.ConsoleSocket == "" {
		return nil, errors.New("config: a terminal needs a console socket")
	}
	if c.PreserveFDs < 0 {
		return nil, errors.New("config: preserveFDs is negative")
	}
	if c.ClientCleans && !c.Client {
		return nil, errors.New("config: clientCleans needs a client")
	}
	return c, nil
}

// SyncMessage is what the monitor writes on the sync pipe, as JSON.
type SyncMessage struct {
	PID           int    `json:"pid,omitempty"`
	MonitorPID    int    `json:"monitorPid,omitempty"`
	Error         string `json:"error,omitempty"`         // the monitor itself failed
	CreateFailed  bool   `json:"createFailed,omitempty"`  // the runtime's create failed
	Stderr        string `json:"stderr,omitempty"`        // the runtime's output then
	RuntimeStatus int    `json:"runtimeStatus,omitempty"` // and its exit status
	// RuntimeNanos is how long the runtime's create (or run --detach)
	// took, from its fork to its exit, for pod --timings.
	RuntimeNanos int64 `json:"runtimeNanos,omitempty"`
}

// AppendJSON encodes the message the way encoding/json would.
func (m *SyncMessage) AppendJSON(b []byte) []byte {
	b = append(b, '{')
	sep := func() {
		if b[len(b)-1] != '{' {
			b = append(b, ',')
		}
	}
	if m.PID != 0 {
		b = append(b, `"pid":`...)
		b = strconv.AppendInt(b, int64(m.PID), 10)
	}
	if m.MonitorPID != 0 {
		sep()
		b = append(b, `"monitorPid":`...)
		b = strconv.AppendInt(b, int64(m.MonitorPID), 10)
	}
	if m.Error != "" {
		sep()
		b = append(b, `"error":"`...)
		b = AppendJSONString(b, []byte(m.Error))
		b = append(b, '"')
	}
	if m.CreateFailed {
		sep()
		b = append(b, `"createFailed":true`...)
	}
	if m.Stderr != "" {
		sep()
		b = append(b, `"stderr":"`...)
		b = AppendJSONString(b, []byte(m.Stderr))
		b = append(b, '"')
	}
	if m.RuntimeStatus != 0 {
		sep()
		b = append(b, `"runtimeStatus":`...)
		b = strconv.AppendInt(b, int64(m.RuntimeStatus), 10)
	}
	if m.RuntimeNanos != 0 {
		sep()
		b = append(b, `"runtimeNanos":`...)
		b = strconv.AppendInt(b, m.RuntimeNanos, 10)
	}
	return append(b, '}')
}

// AppendExit encodes the exit file: {"exitCode":N,"oomKilled":B,"finishedAt":"RFC3339Nano"}.
func AppendExit(b []byte, code int, oomKilled bool, finishedAt time.Time) []byte {
	b = append(b, `{"exitCode":`...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, `,"oomKilled":`...)
	b = strconv.AppendBool(b, oomKilled)
	b = append(b, `,"finishedAt":"`...)
	b = finishedAt.AppendFormat(b, time.RFC3339Nano)
	return append(b, "\"}\n"...)
}

// AppendJSONString escapes s as the inside of a JSON string the way Go's
// encoding/json (and so Docker's json-file log) does: HTML characters and
// U+2028/U+2029 as \u escapes, invalid UTF-8 as U+FFFD.
func AppendJSONString(dst, s []byte) []byte {
	const hex = "0123456789abcdef"
	for len(s) > 0 {
		c := s[0]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				dst = append(dst, c)
			}
			s = s[1:]
			continue
		}
		r, size := utf8.DecodeRune(s)
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			dst = append(dst, s[:size]...)
		}
		s = s[size:]
	}
	return dst
}
