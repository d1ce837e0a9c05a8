package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pod-engine/pod/pkg/conmon/protocol"
)

func TestLogFormats(t *testing.T) {
	at := time.Date(2024, 1, 2, 3, 4, 5, 6, time.FixedZone("X", 3600))
	type chunk struct {
		stream byte
		data   string
	}
	chunks := []chunk{
		{protocol.PacketStdout, "one\ntwo\n"},
		{protocol.PacketStderr, "half"},
		{protocol.PacketStderr, " done\n\n"},
		{protocol.PacketStdout, "tab\there \"q\" <x>"},
	}
	for _, tc := range []struct {
		driver string
		want   string
	}{
		{protocol.LogDriverK8sFile, `2024-01-02T03:04:05.000000006+01:00 stdout F one
2024-01-02T03:04:05.000000006+01:00 stdout F two
2024-01-02T03:04:05.000000006+01:00 stderr P half
2024-01-02T03:04:05.000000006+01:00 stderr F  done
2024-01-02T03:04:05.000000006+01:00 stderr F 
2024-01-02T03:04:05.000000006+01:00 stdout P tab	here "q" <x>
`},
		{protocol.LogDriverJSONFile, `{"log":"one\n","stream":"stdout","time":"2024-01-02T02:04:05.000000006Z"}
{"log":"two\n","stream":"stdout","time":"2024-01-02T02:04:05.000000006Z"}
{"log":"half","stream":"stderr","time":"2024-01-02T02:04:05.000000006Z"}
{"log":" done\n","stream":"stderr","time":"2024-01-02T02:04:05.000000006Z"}
{"log":"\n","stream":"stderr","time":"2024-01-02T02:04:05.000000006Z"}
{"log":"tab\there \"q\" \u003cx\u003e","stream":"stdout","time":"2024-01-02T02:04:05.000000006Z"}
`},
	} {
		t.Run(tc.driver, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "log")
			w, err := openLog(path, tc.driver, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range chunks {
				if err := w.write(c.stream, []byte(c.data), at); err != nil {
					t.Fatal(err)
				}
			}
			w.close()
			b, _ := os.ReadFile(path)
			if string(b) != tc.want {
				t.Errorf("got\n%s\nwant\n%s", b, tc.want)
			}
			if tc.driver == protocol.LogDriverJSONFile {
				for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
					var rec struct{ Log, Stream, Time string }
					if err := json.Unmarshal([]byte(l), &rec); err != nil {
						t.Errorf("%s: %v", l, err)
					}
				}
			}
		})
	}
}

func TestLogMaxSizeRestartsBetweenRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	w, err := openLog(path, protocol.LogDriverK8sFile, 200)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i := 0; i < 20; i++ {
		if err := w.write(protocol.PacketStdout, []byte("0123456789\n"), now); err != nil {
			t.Fatal(err)
		}
	}
	w.close()
	b, _ := os.ReadFile(path)
	if len(b) > 200 || !strings.HasSuffix(string(b), " stdout F 0123456789\n") {
		t.Errorf("log of %d bytes: %q", len(b), b)
	}
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if !strings.HasSuffix(l, " stdout F 0123456789") {
			t.Errorf("torn record %q", l)
		}
	}
}
