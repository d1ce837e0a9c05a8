package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

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

// TestLogFullFilesystem fills a small tmpfs with a container's output and
// checks that the log then ends, on whole records, with one saying it was
// truncated, and that the exit file reserved before still gets written.
func TestLogFullFilesystem(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a tmpfs")
	}
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=256k"); err != nil {
		t.Skipf("mount tmpfs: %v", err)
	}
	defer unix.Unmount(dir, unix.MNT_DETACH)
	for _, driver := range []string{protocol.LogDriverK8sFile, protocol.LogDriverJSONFile} {
		exitPath := filepath.Join(dir, driver+".exit")
		exitFD := reserveExit(exitPath)
		if exitFD < 0 {
			t.Fatal("could not reserve the exit file")
		}
		path := filepath.Join(dir, driver+".log")
		w, err := openLog(path, driver, 0)
		if err != nil {
			t.Fatal(err)
		}
		line := []byte(strings.Repeat("y", 99) + "\n")
		for i := 0; i < 10000; i++ {
			if err := w.write(protocol.PacketStdout, line, time.Now()); err != nil {
				t.Fatalf("write %d: %v", i, err)
			}
		}
		w.close()
		if !w.full {
			t.Fatal("the filesystem never filled")
		}
		b, _ := os.ReadFile(path)
		lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		last := lines[len(lines)-1]
		if !strings.Contains(last, truncNote) || !strings.Contains(last, "no space left on device") {
			t.Errorf("%s: last record %q, want the truncation note", driver, last)
		}
		for _, l := range lines[:len(lines)-1] {
			if !strings.Contains(l, string(line[:99])) {
				t.Fatalf("%s: torn record %q", driver, l)
			}
		}
		if err := writeExit(exitPath, []byte(`{"exitCode":7}`), exitFD); err != nil {
			t.Fatalf("%s: exit file on a full filesystem: %v", driver, err)
		}
		if b, _ := os.ReadFile(exitPath); string(b) != `{"exitCode":7}` {
			t.Errorf("exit file %q", b)
		}
		os.Remove(path) // room for the next driver
	}
}
