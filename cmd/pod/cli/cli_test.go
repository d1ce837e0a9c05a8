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
		{"registry's not-found words kept alone", fmt.Errorf("reading manifest latest in r/x: manifest unknown: %w", errdefs.ErrNotFound), "Error: reading manifest latest in r/x: manifest unknown"},
		{"invalid-argument category left out", fmt.Errorf("invalid signal %q: %w", "FOO", errdefs.ErrInvalidArg), `Error: invalid signal "FOO"`},
		{"invalid-argument category kept when nothing else says it", fmt.Errorf("name %q: %w", "x", errdefs.ErrInvalidArg), `Error: name "x": invalid argument`},
		{"EINVAL kept", fmt.Errorf("invalid mount: %w", errors.New("invalid argument")), "Error: invalid mount: invalid argument"},
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

func TestFlagError(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`invalid argument "x" for "--cpus" flag: strconv.ParseFloat: parsing "x": invalid syntax`,
			`pod run: invalid argument "x" for "--cpus" flag: not a number (see 'pod run --help')`},
		{`invalid argument "x" for "--pids-limit" flag: strconv.ParseInt: parsing "x": invalid syntax`,
			`pod run: invalid argument "x" for "--pids-limit" flag: not a whole number (see 'pod run --help')`},
		{`invalid argument "99999999999999999999" for "-c, --cpu-shares" flag: strconv.ParseUint: parsing "99999999999999999999": value out of range`,
			`pod run: invalid argument "99999999999999999999" for "-c, --cpu-shares" flag: out of range (see 'pod run --help')`},
		{`invalid argument "maybe" for "--rm" flag: strconv.ParseBool: parsing "maybe": invalid syntax`,
			`pod run: invalid argument "maybe" for "--rm" flag: not true or false (see 'pod run --help')`},
		{`unknown flag: --nope`, `pod run: unknown flag: --nope (see 'pod run --help')`},
	} {
		if got := FlagError("pod run", errors.New(tc.in)).Error(); got != tc.want {
			t.Errorf("FlagError(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
