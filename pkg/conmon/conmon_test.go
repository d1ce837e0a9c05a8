package conmon_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pod-engine/pod/pkg/conmon"
)

const script = `echo out1; echo err1 >&2; echo out2; printf partial`

func TestLogDrivers(t *testing.T) {
	k8sLine := `\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(Z|[+-]\d\d:\d\d)`
	for _, tc := range []struct {
		driver string
		want   []string // regexps, one per line, in order per stream
	}{
		{conmon.LogDriverK8sFile, []string{
			`^` + k8sLine + ` stdout F out1$`,
			`^` + k8sLine + ` stderr F err1$`,
			`^` + k8sLine + ` stdout F out2$`,
			`^` + k8sLine + ` stdout P partial$`,
		}},
		{conmon.LogDriverJSONFile, []string{
			`^\{"log":"out1\\n","stream":"stdout","time":"[^"]+Z"\}$`,
			`^\{"log":"err1\\n","stream":"stderr","time":"[^"]+Z"\}$`,
			`^\{"log":"out2\\n","stream":"stdout","time":"[^"]+Z"\}$`,
			`^\{"log":"partial","stream":"stdout","time":"[^"]+Z"\}$`,
		}},
	} {
		t.Run(tc.driver, func(t *testing.T) {
			c := newCtr(t, "sh", "-c", script)
			c.cfg.LogDriver = tc.driver
			st := c.start()
			c.runc("start")
			if e := c.wait(st); e.Code != 0 {
				t.Fatalf("exit code %d", e.Code)
			}
			lines := strings.Split(strings.TrimSuffix(c.log(), "\n"), "\n")
			// stdout and stderr are separate pipes: only the order within
			// a stream is certain.
			for _, stream := range []string{"stdout", "stderr"} {
				var got, want []string
				for _, l := range lines {
					if strings.Contains(l, stream) {
						got = append(got, l)
					}
				}
				for _, w := range tc.want {
					if strings.Contains(w, stream) {
						want = append(want, w)
					}
				}
				if len(got) != len(want) {
					t.Fatalf("%s lines: got %q, want %d", stream, got, len(want))
				}
				for i := range want {
					if !regexp.MustCompile(want[i]).MatchString(got[i]) {
						t.Errorf("line %q does not match %s", got[i], want[i])
					}
				}
			}
			if tc.driver == conmon.LogDriverJSONFile {
				for _, l := range lines {
					var rec map[string]string
					if err := json.Unmarshal([]byte(l), &rec); err != nil {
						t.Errorf("line %q: %v", l, err)
					}
				}
			}
		})
	}
}

func TestAttachBeforeStartGetsAllOutput(t *testing.T) {
	c := newCtr(t, "sh", "-c", script+`; exit 5`)
	st := c.start()
	ctx := context.Background()
	conn, err := conmon.Dial(ctx, c.cfg.AttachSocket)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c.runc("start")
	var out, errb bytes.Buffer
	if err := conn.Copy(ctx, nil, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if out.String() != "out1\nout2\npartial" || errb.String() != "err1\n" {
		t.Errorf("stdout %q stderr %q", out.String(), errb.String())
	}
	if code, ok := conn.ExitCode(); !ok || code != 5 {
		t.Errorf("attach exit code %d, %v; want 5", code, ok)
	}
	if e := c.wait(st); e.Code != 5 {
		t.Errorf("exit file code %d, want 5", e.Code)
	}
}

func TestAttachStdin(t *testing.T) {
	c := newCtr(t, "cat")
	c.cfg.Stdin = true
	c.cfg.StdinOnce = true
	st := c.start()
	ctx := context.Background()
	conn, err := conmon.Dial(ctx, c.cfg.AttachSocket)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c.runc("start")
	var out bytes.Buffer
	// cat ends only when its stdin does: StdinOnce passes the end on.
	if err := conn.Copy(ctx, strings.NewReader("hello\nworld\n"), &out, nil); err != nil {
		t.Fatal(err)
	}
	if out.String() != "hello\nworld\n" {
		t.Errorf("got %q", out.String())
	}
	if e := c.wait(st); e.Code != 0 {
		t.Errorf("exit code %d", e.Code)
	}
	if !strings.Contains(c.log(), " stdout F world\n") {
		t.Errorf("log lacks the echoed line:\n%s", c.log())
	}
}

func TestExitCodes(t *testing.T) {
	t.Run("status", func(t *testing.T) {
		c := newCtr(t, "sh", "-c", "exit 3")
		st := c.start()
		c.runc("start")
		e := c.wait(st)
		if e.Code != 3 || e.OOMKilled {
			t.Errorf("got %+v, want code 3", e)
		}
		if time.Since(e.FinishedAt) > time.Hour || e.FinishedAt.IsZero() {
			t.Errorf("finishedAt %v", e.FinishedAt)
		}
	})
	t.Run("SIGKILL", func(t *testing.T) {
		c := newCtr(t, "sleep", "1000")
		st := c.start()
		c.runc("start")
		if _, err := conmon.ReadExit(c.cfg.ExitFile); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("ReadExit while running: %v, want ErrNotExist", err)
		}
		if !conmon.Alive(st.MonitorPID) {
			t.Error("Alive(monitor) = false while the container runs")
		}
		if err := syscall.Kill(st.PID, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		if e := c.wait(st); e.Code != 137 {
			t.Errorf("code %d, want 137", e.Code)
		}
		if conmon.Alive(st.MonitorPID) {
			t.Error("Alive(monitor) = true after it exited")
		}
	})
}

func TestExitCommand(t *testing.T) {
	c := newCtr(t, "true")
	marker := filepath.Join(c.dir, "cleaned")
	c.cfg.ExitCommand = []string{"sh", "-c", `cat "$1" > "$2"`, "sh", c.cfg.ExitFile, marker}
	st := c.start()
	c.runc("start")
	c.wait(st)
	// The command runs detached after the monitor exits; it copies the
	// exit file, proving it ran after that was written.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		if b, err := os.ReadFile(marker); err == nil && bytes.Contains(b, []byte(`"exitCode":0`)) {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("exit command did not run")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func TestNoReaderDoesNotBlock(t *testing.T) {
	// 10 MiB on stdout with nobody attached: the monitor must keep reading.
	c := newCtr(t, "sh", "-c", `head -c 10485760 /dev/zero | tr '\0' x; echo; echo done`)
	st := c.start()
	c.runc("start")
	if e := c.wait(st); e.Code != 0 {
		t.Fatalf("exit code %d", e.Code)
	}
	log := c.log()
	if n := strings.Count(log, "x"); n != 10485760 {
		t.Errorf("log holds %d of 10485760 bytes", n)
	}
	if !strings.HasSuffix(log, " stdout F done\n") {
		t.Errorf("log ends with %q", log[max(0, len(log)-100):])
	}
}

func TestCreateError(t *testing.T) {
	c := newCtr(t, "/no/such/command")
	_, err := conmon.Start(context.Background(), monitorBin, c.cfg)
	var ce *conmon.CreateError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want *CreateError", err)
	}
	if !strings.Contains(ce.Message(), "/no/such/command") || !strings.Contains(ce.Message(), "no such file or directory") {
		t.Errorf("message %q lacks runc's explanation (stderr %q)", ce.Message(), ce.Stderr)
	}
}

func TestMonitorOutlivesCaller(t *testing.T) {
	c := newCtr(t, "sh", "-c", "read x; echo got $x; exit 7")
	c.cfg.Stdin = true
	c.cfg.StdinOnce = true
	b, _ := json.Marshal(c.cfg)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// A separate process plays pod: it starts the monitor and exits.
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), helperEnv+"="+string(b), "POD_CONMON_TEST_BIN="+monitorBin)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper: %v", err)
	}
	var res helperResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("helper output %q: %v", out, err)
	}
	st := res.Started
	if !conmon.Alive(st.MonitorPID) {
		t.Fatal("monitor died with the process that started it")
	}
	fds, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(st.MonitorPID), "fd"))
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		link, _ := os.Readlink(filepath.Join("/proc", strconv.Itoa(st.MonitorPID), "fd", fd.Name()))
		if link == res.Leak {
			t.Errorf("monitor holds fd %s, %s, inherited from the process that started it", fd.Name(), link)
		}
	}
	ppid := parentOf(t, st.MonitorPID)
	if ppid == cmd.Process.Pid {
		t.Errorf("monitor's parent is the starter")
	}
	ctx := context.Background()
	conn, err := conmon.Dial(ctx, c.cfg.AttachSocket)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c.runc("start")
	var stdout bytes.Buffer
	if err := conn.Copy(ctx, strings.NewReader("hi\n"), &stdout, nil); err != nil {
		t.Fatal(err)
	}
	if stdout.String() != "got hi\n" {
		t.Errorf("stdout %q", stdout.String())
	}
	if e := c.wait(&st); e.Code != 7 {
		t.Errorf("code %d, want 7", e.Code)
	}
}

func parentOf(t *testing.T, pid int) int {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		t.Fatal(err)
	}
	// pid (comm) state ppid ...
	_, rest, _ := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	ppid, err := strconv.Atoi(f[1])
	if err != nil {
		t.Fatal(err)
	}
	return ppid
}

func TestReadExitMissing(t *testing.T) {
	_, err := conmon.ReadExit(filepath.Join(t.TempDir(), "exit"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("got %v, want ErrNotExist", err)
	}
}

func TestCreateErrorMessage(t *testing.T) {
	for _, tc := range []struct{ stderr, want string }{
		{`time="2024-01-01T00:00:00Z" level=error msg="runc create failed: unable to start container process: exec: \"foo\": executable file not found in $PATH"` + "\n",
			`runc create failed: unable to start container process: exec: "foo": executable file not found in $PATH`},
		{"crun: executable file `foo` not found in $PATH: No such file or directory\n",
			"crun: executable file `foo` not found in $PATH: No such file or directory"},
		{"", "runtime exited with status 1"},
	} {
		e := &conmon.CreateError{Stderr: tc.stderr, RuntimeStatus: 1}
		if got := e.Message(); got != tc.want {
			t.Errorf("Message(%q) = %q, want %q", tc.stderr, got, tc.want)
		}
	}
}

func TestOOMKilled(t *testing.T) {
	c := newCtr(t, "tail", "/dev/zero") // tail buffers a line that never ends
	limit := int64(32 << 20)
	c.opts.Resources = &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &limit}}
	c.writeSpec()
	st := c.start()
	c.runc("start")
	e := c.wait(st)
	if e.Code != 137 || !e.OOMKilled {
		t.Errorf("got code %d oomKilled %v, want 137 true", e.Code, e.OOMKilled)
	}
}

func TestLongSocketPath(t *testing.T) {
	c := newCtr(t, "echo", "long")
	dir := filepath.Join(c.dir, strings.Repeat("d", 60), strings.Repeat("e", 60))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	c.cfg.AttachSocket = filepath.Join(dir, "attach.sock") // beyond sun_path's 108 bytes
	st := c.start()
	conn, err := conmon.Dial(context.Background(), c.cfg.AttachSocket)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c.runc("start")
	var out bytes.Buffer
	if err := conn.Copy(context.Background(), nil, &out, nil); err != nil {
		t.Fatal(err)
	}
	if out.String() != "long\n" {
		t.Errorf("got %q", out.String())
	}
	c.wait(st)
	if _, err := os.Stat(c.cfg.AttachSocket); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("attach socket left behind: %v", err)
	}
}

func TestLogDriverNone(t *testing.T) {
	c := newCtr(t, "sh", "-c", script)
	c.cfg.LogDriver = conmon.LogDriverNone
	st := c.start()
	conn, err := conmon.Dial(context.Background(), c.cfg.AttachSocket)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c.runc("start")
	var out bytes.Buffer
	if err := conn.Copy(context.Background(), nil, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "out2\n") || !strings.Contains(out.String(), "err1\n") {
		t.Errorf("attach got %q", out.String())
	}
	c.wait(st)
	if _, err := os.Stat(c.cfg.LogPath); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("log driver none wrote a log: %v", err)
	}
}

func TestLogMaxSize(t *testing.T) {
	// 200 lines of ~50 bytes into a log limited to 4 KiB: the monitor
	// starts the file afresh whenever it would grow beyond the limit.
	c := newCtr(t, "sh", "-c", `i=0; while [ $i -lt 200 ]; do echo line$i; i=$((i+1)); done`)
	c.cfg.LogMaxSize = 4096
	st := c.start()
	c.runc("start")
	c.wait(st)
	log := c.log()
	if len(log) > 4096 || len(log) == 0 {
		t.Fatalf("log is %d bytes, limit 4096", len(log))
	}
	if !strings.HasSuffix(log, " stdout F line199\n") {
		t.Errorf("log does not end with the last line: %q", log[max(0, len(log)-80):])
	}
}

func TestStdinStaysOpenWithoutStdinOnce(t *testing.T) {
	// Without StdinOnce a client's end of input does not end the
	// container's: a second client goes on writing.
	c := newCtr(t, "sh", "-c", `read a; echo got:$a; read b; echo "$a+$b"`)
	c.cfg.Stdin = true
	st := c.start()
	ctx := context.Background()
	first, err := conmon.Dial(ctx, c.cfg.AttachSocket)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	c.runc("start")
	// The first client sends a line and the end of its input.
	seen := &waitWriter{want: "got:one\n", ch: make(chan struct{})}
	go first.Copy(ctx, strings.NewReader("one\n"), seen, nil)
	<-seen.ch
	second, err := conmon.Dial(ctx, c.cfg.AttachSocket)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	var out bytes.Buffer
	if err := second.Copy(ctx, strings.NewReader("two\n"), &out, nil); err != nil {
		t.Fatal(err)
	}
	if out.String() != "one+two\n" {
		t.Errorf("got %q", out.String())
	}
	if e := c.wait(st); e.Code != 0 {
		t.Errorf("code %d", e.Code)
	}
}

// waitWriter closes ch once what was written contains want.
type waitWriter struct {
	buf  bytes.Buffer
	want string
	ch   chan struct{}
	done bool
}

func (w *waitWriter) Write(p []byte) (int, error) {
	w.buf.Write(p)
	if !w.done && strings.Contains(w.buf.String(), w.want) {
		w.done = true
		close(w.ch)
	}
	return len(p), nil
}

func TestContainerInheritsNothingOfTheMonitor(t *testing.T) {
	// The container's init (grep itself, no shell that sets its own
	// signals) starts with default signal dispositions, nothing blocked
	// and only stdin, stdout and stderr open: nothing of the monitor leaks.
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status"},
			[]string{"stdout F SigBlk:\t0000000000000000\n", "stdout F SigIgn:\t0000000000000000\n"}},
		// ls lists its own descriptors: 3 is the directory it reads.
		{[]string{"ls", "/proc/1/fd"}, []string{"stdout F 0\n", "stdout F 1\n", "stdout F 2\n", "stdout F 3\n"}},
	} {
		t.Run(tc.args[0], func(t *testing.T) {
			c := newCtr(t, tc.args...)
			c.cfg.Stdin = true
			st := c.start()
			c.runc("start")
			c.wait(st)
			log := c.log()
			for _, want := range tc.want {
				if !strings.Contains(log, want) {
					t.Errorf("log lacks %q:\n%s", want, log)
				}
			}
			if n := strings.Count(log, "\n"); n != len(tc.want) {
				t.Errorf("log has %d lines, want %d:\n%s", n, len(tc.want), log)
			}
		})
	}
}

// TestPassFiles: Config.PassFiles reach the container's process at 3 and
// up (the runtime's --preserve-fds), and the monitor keeps no copy: the
// pipe the container closes reaches its end while the container still runs.
func TestPassFiles(t *testing.T) {
	c := newCtr(t, "sh", "-c", `cat <&3; echo to-pod >&4; exec 3<&- 4>&-; sleep 1000`)
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer inR.Close()
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer outR.Close()
	inW.WriteString("from-pod\n")
	inW.Close()
	c.cfg.PassFiles = []*os.File{inR, outW}
	argv := c.cfg.RuntimeArgv
	c.cfg.RuntimeArgv = append(append(argv[:len(argv)-1:len(argv)-1], "--preserve-fds", "2"), argv[len(argv)-1])
	st := c.start()
	outW.Close()
	c.runc("start")
	outR.SetReadDeadline(time.Now().Add(20 * time.Second))
	got, err := io.ReadAll(outR)
	if err != nil || string(got) != "to-pod\n" {
		t.Errorf("read from the container: %q, %v (a copy of the pipe still open?)", got, err)
	}
	c.runc("kill", "KILL")
	c.wait(st)
	if log := c.log(); !strings.Contains(log, " stdout F from-pod\n") {
		t.Errorf("log:\n%s", log)
	}
}

func TestTerminal(t *testing.T) {
	c := newCtr(t, "sh", "-c", `read x; echo "got:$x"; stty size; tty`)
	c.opts.Terminal = true
	c.writeSpec()
	c.cfg.Stdin, c.cfg.Terminal = true, true
	c.cfg.ConsoleSocket = filepath.Join(c.dir, "console.sock")
	argv := c.cfg.RuntimeArgv
	c.cfg.RuntimeArgv = append(append(argv[:len(argv)-1:len(argv)-1], "--console-socket", c.cfg.ConsoleSocket), argv[len(argv)-1])
	st := c.start()
	ctx := context.Background()
	conn, err := conmon.Dial(ctx, c.cfg.AttachSocket)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Resize(33, 101); err != nil {
		t.Fatal(err)
	}
	c.runc("start")
	var out bytes.Buffer
	if err := conn.Copy(ctx, strings.NewReader("hello\n"), &out, nil); err != nil {
		t.Fatal(err)
	}
	// The terminal echoes the input and ends lines with \r\n.
	for _, want := range []string{"hello\r\n", "got:hello\r\n", "33 101\r\n", "/dev/pts/0\r\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output %q lacks %q", out.String(), want)
		}
	}
	if e := c.wait(st); e.Code != 0 {
		t.Errorf("code %d", e.Code)
	}
	if !strings.Contains(c.log(), " stdout F got:hello\r\n") {
		t.Errorf("log:\n%s", c.log())
	}
	if _, err := os.Stat(c.cfg.ConsoleSocket); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("console socket left behind: %v", err)
	}
}

// cleanerCtr is a container attached from the start whose client takes on
// the exit command's work; the exit command leaves a marker.
func cleanerCtr(t *testing.T) (c *ctr, st *conmon.Started, conn *conmon.Conn, marker string) {
	c = newCtr(t, "sh", "-c", "echo hi; exit 3")
	marker = filepath.Join(c.dir, "exit-command-ran")
	c.cfg.ExitCommand = []string{"sh", "-c", `touch "$1"`, "sh", marker}
	c.cfg.ClientCleans = true
	st, conn, err := conmon.StartAttached(context.Background(), monitorBin, c.cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c.runc("start")
	var out bytes.Buffer
	if err := conn.Copy(context.Background(), nil, &out, nil); err != nil {
		t.Fatal(err)
	}
	if code, ok := conn.ExitCode(); out.String() != "hi\n" || !ok || code != 3 {
		t.Fatalf("attach got %q, exit %d %v; want \"hi\\n\", 3", out.String(), code, ok)
	}
	return c, st, conn, marker
}

func TestClientCleansDone(t *testing.T) {
	c, st, conn, marker := cleanerCtr(t)
	if !conmon.Alive(st.MonitorPID) {
		t.Fatal("the monitor did not wait for its cleaning client")
	}
	if err := conn.Done(); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if e := c.wait(st); e.Code != 3 {
		t.Errorf("exit file code %d, want 3", e.Code)
	}
	// The monitor starts the exit command before it exits, and the
	// command does nothing but create the marker: had it run, the marker
	// or the command would be there now.
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the exit command ran although the client did its work")
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		if b, _ := os.ReadFile(p); bytes.Contains(b, []byte(marker)) {
			t.Fatalf("the exit command runs (%s) although the client did its work", p)
		}
	}
}

func TestClientCleansHangUp(t *testing.T) {
	// A client that goes away without saying it is done (a killed pod):
	// the monitor runs the exit command after all.
	c, st, conn, marker := cleanerCtr(t)
	conn.Close()
	c.wait(st)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		if _, err := os.Stat(marker); err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatal("exit command did not run after the cleaning client hung up")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func TestLargeConfig(t *testing.T) {
	// A configuration beyond the monitor's first read buffer (64 KiB).
	c := newCtr(t, "true")
	c.cfg.Env = append(os.Environ(), "BIG="+strings.Repeat("x", 100<<10))
	st := c.start()
	c.runc("start")
	if e := c.wait(st); e.Code != 0 {
		t.Errorf("exit code %d", e.Code)
	}
}
