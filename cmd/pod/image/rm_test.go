package image

import (
	"bytes"
	"errors"
	"testing"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/errdefs"
)

func TestRmiError(t *testing.T) {
	notFound := errdefs.NotFoundf("x: image not known")
	inUse := errdefs.Conflictf("image used by c: image is in use by a container")
	other := errors.New("disk on fire")
	for _, tc := range []struct {
		name  string
		errs  []error
		code  int
		lines int // "Error:" lines printed before the returned error
	}{
		{"none", nil, 0, 0},
		{"not found", []error{notFound}, 1, 0},
		{"in use", []error{inUse}, 2, 0},
		{"in use wins", []error{notFound, inUse, other}, 2, 2},
		{"other", []error{notFound, other}, 125, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			g := &cli.Globals{Stderr: &stderr}
			err := rmiError(g, tc.errs)
			if got := cli.ExitCode(err); got != tc.code {
				t.Errorf("exit code %d, want %d", got, tc.code)
			}
			if n := bytes.Count(stderr.Bytes(), []byte("Error: ")); n != tc.lines {
				t.Errorf("%d Error lines printed, want %d: %q", n, tc.lines, stderr.String())
			}
			if tc.code != 0 && cli.Message(err) != cli.Message(tc.errs[len(tc.errs)-1]) {
				t.Errorf("message %q", cli.Message(err))
			}
		})
	}
}
