package protocol

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestConfigRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"minimal", Config{ID: "c1", RuntimeArgv: []string{"/usr/bin/runc", "create", "c1"}, PidFile: "/r/pid", ExitFile: "/r/exit"}},
		{"everything", Config{
			ID:           "abc",
			RuntimeArgv:  []string{"/usr/bin/runc", "--root", "/run/x y", "create", "--bundle", "/b", "abc"},
			PidFile:      "/r/pid",
			LogPath:      "/u/ctr.log",
			LogDriver:    LogDriverJSONFile,
			LogMaxSize:   1 << 20,
			ExitFile:     "/r/exit",
			AttachSocket: "/r/attach",
			Stdin:        true,
			StdinOnce:    true,
			ExitCommand:  []string{"/usr/bin/pod", "--root", "/v=w", "container", "cleanup", "abc"},
			Env:          []string{"PATH=/bin:/usr/bin", "A==b=", "EMPTY=", "UNICODE=é\n\t"},
		}},
		{"terminal", Config{ID: "t", RuntimeArgv: []string{"runc", "create", "--console-socket", "/r/console", "t"},
			PidFile: "p", ExitFile: "e", Terminal: true, ConsoleSocket: "/r/console"}},
		{"exec with healthcheck", Config{ID: "x", RuntimeArgv: []string{"runc", "exec", "--detach", "x"},
			PidFile: "p", ExitFile: "e", Client: true, ClientCleans: true,
			HealthCommand: []string{"/usr/bin/pod", "healthcheck", "run", "x"}, HealthInterval: 1500 * time.Millisecond, Timeout: 90 * time.Second}},
		{"sd_notify conmon", Config{ID: "n", RuntimeArgv: []string{"runc", "run", "--detach", "n"},
			PidFile: "p", ExitFile: "e", NotifySocket: "/run/systemd/notify", NotifyReady: true}},
		{"sd_notify container, abstract socket", Config{ID: "n", RuntimeArgv: []string{"runc", "run", "--detach", "n"},
			PidFile: "p", ExitFile: "e", NotifySocket: "@/org/freedesktop/systemd1/notify/123"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Decode(tc.cfg.Encode())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tc.cfg) {
				t.Errorf("got %+v\nwant %+v", *got, tc.cfg)
			}
		})
	}
}

// TestPassFilesTravelAsACount: the descriptors to pass on are not in the
// encoding; their number is, and comes back as PreserveFDs.
func TestPassFilesTravelAsACount(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	cfg := Config{ID: "s", RuntimeArgv: []string{"runc", "run", "--detach", "--preserve-fds", "2", "s"},
		PidFile: "p", ExitFile: "e", PassFiles: []*os.File{r, w}}
	got, err := Decode(cfg.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if got.PreserveFDs != 2 || got.PassFiles != nil {
		t.Errorf("PreserveFDs %d, PassFiles %v", got.PreserveFDs, got.PassFiles)
	}
	cfg.PassFiles = nil
	if got, _ := Decode(cfg.Encode()); got.PreserveFDs != 0 {
		t.Errorf("no files: PreserveFDs %d", got.PreserveFDs)
	}
}

func TestDecodeErrors(t *testing.T) {
	valid := string((&Config{ID: "c", RuntimeArgv: []string{"runc"}, PidFile: "p", ExitFile: "e"}).Encode())
	for _, tc := range []struct{ name, in, want string }{
		{"unterminated", valid + "id=x", "without terminator"},
		{"no equals", valid + "id\x00", "without '='"},
		{"unknown key", valid + "colour=red\x00", "unknown key colour"},
		{"bad bool", valid + "stdin=perhaps\x00", "stdin"},
		{"missing required", "id=c\x00", "required"},
		{"negative preserveFDs", valid + "preserveFDs=-1\x00", "negative"},
		{"terminal without socket", valid + "terminal=true\x00", "console socket"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{
		"", "plain", `quote " backslash \ slash /`, "\n\r\t", "\x00\x01\x1f\x7f",
		"<b>&amp;</b>", "é ü 日本 🙂", "\u2028\u2029", "bad \xff\xfe utf8", "cut \xe6\x97",
	} {
		want, _ := json.Marshal(s)
		got := `"` + string(AppendJSONString(nil, []byte(s))) + `"`
		var back, wantBack string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Errorf("%q: our encoding %s is not JSON: %v", s, got, err)
			continue
		}
		json.Unmarshal(want, &wantBack)
		if back != wantBack {
			t.Errorf("%q: decodes to %q, encoding/json's to %q", s, back, wantBack)
		}
	}
}

func TestSyncMessageJSON(t *testing.T) {
	for _, m := range []SyncMessage{
		{PID: 42, MonitorPID: 7},
		{PID: 42, MonitorPID: 7, RuntimeNanos: 23456789},
		{Error: `open "/x": no such file`},
		{CreateFailed: true, Stderr: "time=\"t\" level=error msg=\"exec: \\\"foo\\\": not found\"\n", RuntimeStatus: 1},
		{},
	} {
		var got SyncMessage
		b := m.AppendJSON(nil)
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if got != m {
			t.Errorf("%s decodes to %+v, want %+v", b, got, m)
		}
	}
}

func TestAppendExit(t *testing.T) {
	at := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	var got struct {
		ExitCode   int       `json:"exitCode"`
		OOMKilled  bool      `json:"oomKilled"`
		FinishedAt time.Time `json:"finishedAt"`
	}
	b := AppendExit(nil, 137, true, at)
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	if got.ExitCode != 137 || !got.OOMKilled || !got.FinishedAt.Equal(at) {
		t.Errorf("%s decodes to %+v", b, got)
	}
}
