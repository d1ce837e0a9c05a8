package engine

import (
	"errors"
	"testing"

	"github.com/pod-engine/pod/pkg/conmon"
)

func TestShouldRestart(t *testing.T) {
	tests := []struct {
		name    string
		policy  RestartPolicy
		code    int
		count   int
		byUser  bool
		restart bool
	}{
		{"no", RestartPolicy{Name: "no"}, 1, 0, false, false},
		{"always after success", RestartPolicy{Name: "always"}, 0, 5, false, true},
		{"always after stop", RestartPolicy{Name: "always"}, 137, 0, true, false},
		{"unless-stopped", RestartPolicy{Name: "unless-stopped"}, 0, 0, false, true},
		{"on-failure success", RestartPolicy{Name: "on-failure"}, 0, 0, false, false},
		{"on-failure unlimited", RestartPolicy{Name: "on-failure"}, 1, 100, false, true},
		{"on-failure below max", RestartPolicy{Name: "on-failure", MaxRetries: 2}, 1, 1, false, true},
		{"on-failure at max", RestartPolicy{Name: "on-failure", MaxRetries: 2}, 1, 2, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestContainer()
			c.Config.RestartPolicy = tc.policy
			c.ExitCode, c.RestartCount, c.StoppedByUser = tc.code, tc.count, tc.byUser
			if got := shouldRestart(c); got != tc.restart {
				t.Fatalf("shouldRestart = %v, want %v", got, tc.restart)
			}
		})
	}
}

func TestCreateError(t *testing.T) {
	line := func(msg string) string {
		return `{"level":"error","msg":"` + msg + `","time":"2026-01-01T00:00:00Z"}` + "\n"
	}
	tests := []struct {
		stderr string
		cat    error
		want   string
	}{
		{line(`runc create failed: unable to start container process: exec: \"nosuch\": executable file not found in $PATH`), ErrCommandNotFound,
			`runc: runc create failed: unable to start container process: exec: "nosuch": executable file not found in $PATH: OCI runtime attempted to invoke a command that was not found`},
		{line(`runc create failed: unable to start container process: exec: \"/etc\": permission denied`), ErrCommandCannotRun,
			`runc: runc create failed: unable to start container process: exec: "/etc": permission denied: OCI permission denied`},
		{line(`runc create failed: unable to apply caps: operation not permitted`), nil,
			`runc: runc create failed: unable to apply caps: operation not permitted: OCI runtime error`},
	}
	for _, tc := range tests {
		err := createError("runc", &conmon.CreateError{Stderr: tc.stderr, RuntimeStatus: 1})
		if err.Error() != tc.want {
			t.Errorf("message %q, want %q", err, tc.want)
		}
		if tc.cat != nil && !errors.Is(err, tc.cat) {
			t.Errorf("%q is not %v", err, tc.cat)
		}
		if tc.cat == nil && (errors.Is(err, ErrCommandNotFound) || errors.Is(err, ErrCommandCannotRun)) {
			t.Errorf("%q categorised as a command error", err)
		}
	}
}
