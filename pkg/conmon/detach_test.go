package conmon

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

func TestParseDetachKeys(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []byte
		bad  bool
	}{
		{in: "", want: nil},
		{in: "ctrl-p,ctrl-q", want: []byte{16, 17}},
		{in: "a,ctrl-@,ctrl-[,ctrl-_", want: []byte{'a', 0, 27, 31}},
		{in: "ctrl-P", want: []byte{16}},
		{in: "ctrl-1", bad: true},
		{in: "ab", bad: true},
		{in: "ctrl-p,", bad: true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseDetachKeys(tc.in)
			if tc.bad {
				if err == nil {
					t.Fatalf("got %v, want an error", got)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tc.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestDetachReader(t *testing.T) {
	keys := []byte{16, 17}
	for _, tc := range []struct {
		name     string
		in       string
		want     string
		detached bool
	}{
		{name: "plain", in: "hello", want: "hello"},
		{name: "detach", in: "ls\x10\x11rest", want: "ls", detached: true},
		{name: "partial then other", in: "a\x10b", want: "a\x10b"},
		{name: "repeated first key", in: "\x10\x10\x11", want: "\x10", detached: true},
		{name: "held at EOF", in: "x\x10", want: "x\x10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, oneByte := range []bool{false, true} {
				var r io.Reader = bytes.NewBufferString(tc.in)
				if oneByte {
					r = iotest.OneByteReader(r)
				}
				got, err := io.ReadAll(NewDetachReader(r, keys))
				if string(got) != tc.want {
					t.Errorf("oneByte=%v: read %q, want %q", oneByte, got, tc.want)
				}
				if errors.Is(err, ErrDetached) != tc.detached {
					t.Errorf("oneByte=%v: err %v, detached want %v", oneByte, err, tc.detached)
				}
			}
		})
	}
}
