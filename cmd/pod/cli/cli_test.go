package cli

import (
	"errors"
	"fmt"
	"testing"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// TestExitCodeMessage checks the one mapping from an error's category to
// the exit code and the line printed: the code comes from the category, and
// the line is the error's own words, never the category's.
func TestExitCodeMessage(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		code int
		msg  string
	}{
		{"nil", nil, 0, ""},
		{"plain", errors.New("boom"), 125, "Error: boom"},
		{"not found", errdefs.NotFoundf("nosuch: image not known"), 125, "Error: nosuch: image not known"},
		{"not found with context", fmt.Errorf("inspect: %w", errdefs.NotFoundf("no such volume v")), 125, "Error: inspect: no such volume v"},
		{"already exists", errdefs.AlreadyExistsf("network name backend"), 125, "Error: network name backend"},
		{"invalid argument", errdefs.InvalidArgumentf("name %q", "x"), 125, `Error: name "x"`},
		{"invalid argument of a library error", errdefs.InvalidArgument(errors.New("short-name did not resolve")), 125, "Error: short-name did not resolve"},
		{"conflict", errdefs.Conflictf("container c is running"), 125, "Error: container c is running"},
		{"not implemented", errdefs.NotImplementedf("no checkpoint"), 125, "Error: no checkpoint"},
		{"unavailable", errdefs.Unavailablef("registry down"), 125, "Error: registry down"},
		{"command not found", fmt.Errorf("start c: %w", errdefs.CommandNotFoundf("runc: exec: %q: executable file not found in $PATH", "x")), 127,
			`Error: start c: runc: exec: "x": executable file not found in $PATH`},
		{"cannot invoke", errdefs.CannotInvokef("runc: exec: %q: permission denied", "/etc"), 126, `Error: runc: exec: "/etc": permission denied`},
		{"EINVAL's own words kept", fmt.Errorf("invalid mount: %w", errors.New("invalid argument")), 125, "Error: invalid mount: invalid argument"},
		{"one line", errors.New("first\nsecond"), 125, "Error: first second"},
		{"exit code only", Exit(3), 3, ""},
		{"container's own status wins", &ExitError{Code: 127}, 127, ""},
		{"exit code with error", &ExitError{Code: 2, Err: errdefs.Conflictf("in use")}, 2, "Error: in use"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ExitCode(tc.err); got != tc.code {
				t.Errorf("ExitCode = %d, want %d", got, tc.code)
			}
			if tc.err == nil {
				return
			}
			if got := Message(tc.err); got != tc.msg {
				t.Errorf("Message = %q, want %q", got, tc.msg)
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
