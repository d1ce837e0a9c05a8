package cli

import (
	"errors"
	"fmt"
	"testing"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func TestMessage(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"plain", errors.New("boom"), "Error: boom"},
		{"category left out", fmt.Errorf("nosuch: image not known: %w", errdefs.ErrNotFound), "Error: nosuch: image not known"},
		{"category that says something kept", fmt.Errorf("network name backend: %w", errdefs.ErrAlreadyExists), "Error: network name backend: already exists"},
		{"redundant category left out", fmt.Errorf("name web is already in use: %w", errdefs.ErrAlreadyExists), "Error: name web is already in use"},
		{"category in the middle kept", fmt.Errorf("%w: name %q", errdefs.ErrInvalidArg, "x"), `Error: invalid argument: name "x"`},
		{"one line", errors.New("first\nsecond"), "Error: first second"},
		{"exit code only", Exit(3), ""},
		{"exit code with error", &ExitError{Code: 127, Err: errors.New("not found")}, "Error: not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Message(tc.err); got != tc.want {
				t.Fatalf("Message = %q, want %q", got, tc.want)
			}
		})
	}
}
