package cli

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func TestRemoveError(t *testing.T) {
	missing := errdefs.NotFoundf("x: image not known")
	inUse := errdefs.Conflictf("y: image is in use")
	other := errors.New("disk on fire")
	for _, tc := range []struct {
		name  string
		errs  []error
		code  int
		lines int // Error lines printed before the returned one
	}{
		{"none", nil, 0, 0},
		{"missing", []error{missing}, ExitNoSuchObject, 0},
		{"in use wins", []error{missing, inUse, other}, ExitInUse, 2},
		{"other", []error{missing, other}, ExitEngine, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := RemoveError(&buf, tc.errs)
			if got := ExitCode(err); got != tc.code {
				t.Fatalf("exit code %d, want %d", got, tc.code)
			}
			if n := strings.Count(buf.String(), "Error: "); n != tc.lines {
				t.Fatalf("%d lines printed, want %d: %q", n, tc.lines, buf.String())
			}
			if tc.code != 0 && Message(err) != Message(tc.errs[len(tc.errs)-1]) {
				t.Fatalf("returned %q", Message(err))
			}
		})
	}
}

func TestConfirm(t *testing.T) {
	for in, want := range map[string]bool{"y\n": true, "YES\n": true, "n\n": false, "\n": false, "": false, "yup\n": false} {
		var out bytes.Buffer
		if got := Confirm(strings.NewReader(in), &out, "This removes things."); got != want {
			t.Errorf("Confirm(%q) = %v, want %v", in, got, want)
		}
		if out.String() != "WARNING! This removes things.\nAre you sure you want to continue? [y/N] " {
			t.Errorf("prompt %q", out.String())
		}
	}
}
