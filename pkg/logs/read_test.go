package logs

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// record is one entry a test writes to a log file.
type record struct {
	stream  string
	text    string
	partial bool
	at      int // seconds after base
}

var base = time.Date(2024, 3, 1, 12, 0, 0, 123456789, time.UTC)

func encode(t *testing.T, driver string, recs []record) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, r := range recs {
		ts := base.Add(time.Duration(r.at) * time.Second)
		switch driver {
		case DriverK8sFile:
			b.Write(FormatK8s(ts, r.stream, []byte(r.text), r.partial))
		case DriverJSONFile:
			text := r.text
			if !r.partial {
				text += "\n"
			}
			line, err := FormatJSON(ts, r.stream, []byte(text))
			if err != nil {
				t.Fatal(err)
			}
			b.Write(line)
		}
	}
	return b.Bytes()
}

func writeLog(t *testing.T, driver string, recs []record) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ctr.log")
	if err := os.WriteFile(p, encode(t, driver, recs), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

var sample = []record{
	{Stdout, "one", false, 0},
	{Stderr, "err one", false, 1},
	{Stdout, "tw", true, 2},
	{Stdout, "o", false, 2},
	{Stdout, "three", false, 3},
	{Stderr, "err ", true, 4},
	{Stderr, "two", false, 4},
	{Stdout, "four", false, 5},
}

func TestRead(t *testing.T) {
	tests := []struct {
		name             string
		recs             []record
		opts             Options
		wantOut, wantErr string
	}{
		{name: "all", recs: sample, opts: Options{Tail: -1},
			wantOut: "one\ntwo\nthree\nfour\n", wantErr: "err one\nerr two\n"},
		{name: "tail 2", recs: sample, opts: Options{Tail: 2},
			wantOut: "four\n", wantErr: "err two\n"},
		{name: "tail 0", recs: sample, opts: Options{Tail: 0}},
		{name: "tail more than lines", recs: sample, opts: Options{Tail: 100},
			wantOut: "one\ntwo\nthree\nfour\n", wantErr: "err one\nerr two\n"},
		{name: "since", recs: sample, opts: Options{Tail: -1, Since: base.Add(3 * time.Second)},
			wantOut: "three\nfour\n", wantErr: "err two\n"},
		{name: "until", recs: sample, opts: Options{Tail: -1, Until: base.Add(2 * time.Second)},
			wantOut: "one\ntwo\n", wantErr: "err one\n"},
		{name: "since and until", recs: sample, opts: Options{Tail: -1, Since: base.Add(time.Second), Until: base.Add(3 * time.Second)},
			wantOut: "two\nthree\n", wantErr: "err one\n"},
		{name: "timestamps", recs: sample[:2], opts: Options{Tail: -1, Timestamps: true},
			wantOut: "2024-03-01T12:00:00.123456789Z one\n", wantErr: "2024-03-01T12:00:01.123456789Z err one\n"},
		{name: "unfinished last line", recs: []record{{Stdout, "a", false, 0}, {Stdout, "no newline", true, 1}},
			opts: Options{Tail: -1}, wantOut: "a\nno newline"},
		{name: "empty lines", recs: []record{{Stdout, "", false, 0}, {Stdout, "x", false, 0}},
			opts: Options{Tail: -1}, wantOut: "\nx\n"},
	}
	for _, driver := range []string{DriverK8sFile, DriverJSONFile} {
		for _, tc := range tests {
			t.Run(driver+"/"+tc.name, func(t *testing.T) {
				p := writeLog(t, driver, tc.recs)
				var out, errb bytes.Buffer
				if err := Read(context.Background(), p, driver, tc.opts, &out, &errb); err != nil {
					t.Fatal(err)
				}
				if out.String() != tc.wantOut || errb.String() != tc.wantErr {
					t.Fatalf("stdout %q stderr %q, want %q and %q", out.String(), errb.String(), tc.wantOut, tc.wantErr)
				}
			})
		}
	}
}

func TestReadMissingFileIsEmpty(t *testing.T) {
	var out bytes.Buffer
	err := Read(context.Background(), filepath.Join(t.TempDir(), "none.log"), DriverK8sFile, Options{Tail: -1}, &out, &out)
	if err != nil || out.Len() != 0 {
		t.Fatalf("got %q, %v", out.String(), err)
	}
}

func TestReadNoneDriver(t *testing.T) {
	err := Read(context.Background(), "x", DriverNone, Options{Tail: -1}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "'none' log driver") {
		t.Fatalf("err = %v", err)
	}
}

func TestReadSkipsMalformedLines(t *testing.T) {
	p := filepath.Join(t.TempDir(), "ctr.log")
	data := append([]byte("garbage\n"), FormatK8s(base, Stdout, []byte("ok"), false)...)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := Read(context.Background(), p, DriverK8sFile, Options{Tail: -1}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != "ok\n" {
		t.Fatalf("got %q", out.String())
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestFollow appends to the log while Read follows it, with lines torn
// across writes, and checks that Read ends once the writer is done.
func TestFollow(t *testing.T) {
	for _, driver := range []string{DriverK8sFile, DriverJSONFile} {
		t.Run(driver, func(t *testing.T) {
			p := writeLog(t, driver, []record{{Stdout, "old1", false, 0}, {Stdout, "old2", false, 0}})
			var finished atomic.Bool
			var out, errb syncBuffer
			result := make(chan error, 1)
			go func() {
				result <- Read(context.Background(), p, driver, Options{
					Follow: true, Tail: 1, Done: finished.Load, PollInterval: 5 * time.Millisecond,
				}, &out, &errb)
			}()

			f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			data := encode(t, driver, []record{
				{Stdout, "new", true, 1}, {Stdout, "1", false, 1},
				{Stderr, "bad", false, 2},
				{Stdout, "new2", false, 3},
				{Stdout, "tail without newline", true, 4},
			})
			// Write in small pieces so the reader sees torn file lines.
			for i := 0; i < len(data); i += 7 {
				end := min(i+7, len(data))
				if _, err := f.Write(data[i:end]); err != nil {
					t.Fatal(err)
				}
				if i%70 == 0 {
					time.Sleep(2 * time.Millisecond)
				}
			}
			f.Close()
			// The reader must keep following until told the writer is done.
			waitFor(t, func() bool { return strings.Contains(out.String(), "new2\n") })
			select {
			case err := <-result:
				t.Fatalf("Read returned before Done: %v", err)
			default:
			}
			finished.Store(true)
			if err := <-result; err != nil {
				t.Fatal(err)
			}
			if got, want := out.String(), "old2\nnew1\nnew2\ntail without newline"; got != want {
				t.Fatalf("stdout %q, want %q", got, want)
			}
			if got := errb.String(); got != "bad\n" {
				t.Fatalf("stderr %q", got)
			}
		})
	}
}

func TestFollowEndsWithContext(t *testing.T) {
	p := writeLog(t, DriverK8sFile, sample)
	ctx, cancel := context.WithCancel(context.Background())
	var out bytes.Buffer
	result := make(chan error, 1)
	go func() {
		result <- Read(ctx, p, DriverK8sFile, Options{Follow: true, Tail: -1, PollInterval: time.Millisecond}, &out, &out)
	}()
	cancel()
	if err := <-result; err != context.Canceled {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestFollowFileCreatedLater(t *testing.T) {
	p := filepath.Join(t.TempDir(), "later.log")
	var finished atomic.Bool
	var out syncBuffer
	result := make(chan error, 1)
	go func() {
		result <- Read(context.Background(), p, DriverK8sFile, Options{Follow: true, Tail: -1, Done: finished.Load, PollInterval: time.Millisecond}, &out, &out)
	}()
	if err := os.WriteFile(p, FormatK8s(base, Stdout, []byte("hello"), false), 0o600); err != nil {
		t.Fatal(err)
	}
	finished.Store(true)
	if err := <-result; err != nil {
		t.Fatal(err)
	}
	if out.String() != "hello\n" {
		t.Fatalf("got %q", out.String())
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 10s")
		}
		time.Sleep(time.Millisecond)
	}
}
