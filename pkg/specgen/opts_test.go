package specgen

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/pod-engine/pod/pkg/conmon"
)

func TestParseTmpfs(t *testing.T) {
	got, err := parseTmpfs("/run:size=1m,mode=1777")
	want := MountConfig{Type: "tmpfs", Source: "tmpfs", Destination: "/run", Options: []string{"size=1048576", "mode=1777"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, %v", got, err)
	}
	if _, err := parseTmpfs("run"); err == nil {
		t.Fatal("relative tmpfs destination accepted")
	}
	if _, err := parseTmpfs("/run:size=huge"); err == nil {
		t.Fatal("bad size accepted")
	}
}

func TestMergeEnv(t *testing.T) {
	t.Setenv("POD_TEST_HOST_VAR", "host")
	os.Unsetenv("POD_TEST_UNSET_VAR")
	got := mergeEnv([]string{"PATH=/bin", "A=image"}, []string{"A=flag", "B=1", "POD_TEST_HOST_VAR", "POD_TEST_UNSET_VAR", "B=2", "EMPTY="})
	want := []string{"PATH=/bin", "A=flag", "B=2", "POD_TEST_HOST_VAR=host", "EMPTY="}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestReadEnvFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "env")
	if err := os.WriteFile(p, []byte("# comment\n\nA=1\n  B=two words \nC\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := readEnvFile(p)
	if want := []string{"A=1", "B=two words ", "C"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, %v; want %q", got, err, want)
	}
	if err := os.WriteFile(p, []byte("BAD KEY=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readEnvFile(p); err == nil {
		t.Fatal("a key with a space was accepted")
	}
}

func TestParseRestartPolicy(t *testing.T) {
	tests := []struct {
		in   string
		want RestartPolicy
		bad  bool
	}{
		{in: "", want: RestartPolicy{Name: "no"}},
		{in: "no", want: RestartPolicy{Name: "no"}},
		{in: "always", want: RestartPolicy{Name: "always"}},
		{in: "unless-stopped", want: RestartPolicy{Name: "unless-stopped"}},
		{in: "on-failure", want: RestartPolicy{Name: "on-failure"}},
		{in: "on-failure:3", want: RestartPolicy{Name: "on-failure", MaxRetries: 3}},
		{in: "on-failure:x", bad: true},
		{in: "on-failure:-1", bad: true},
		{in: "always:2", bad: true},
		{in: "sometimes", bad: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseRestartPolicy(tc.in)
			if tc.bad {
				if err == nil {
					t.Fatalf("accepted %q", tc.in)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v", got, err)
			}
		})
	}
}

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

func TestParseLogOpts(t *testing.T) {
	d, o, err := parseLogOpts("", []string{"max-size=10k"})
	if err != nil || d != "k8s-file" || o["max-size"] != "10240" {
		t.Fatalf("got %q %v %v", d, o, err)
	}
	for _, bad := range [][]string{{"max-size"}, {"max-size=big"}, {"tag=x"}} {
		if _, _, err := parseLogOpts("json-file", bad); err == nil {
			t.Fatalf("accepted %q", bad)
		}
	}
	if _, _, err := parseLogOpts("journald", nil); err == nil {
		t.Fatal("accepted journald")
	}
}

func TestParseEntrypoint(t *testing.T) {
	for in, want := range map[string][]string{
		"":                nil,
		"/bin/sh":         {"/bin/sh"},
		`["sh","-c","x"]`: {"sh", "-c", "x"},
	} {
		got, err := parseEntrypoint(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("parseEntrypoint(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := parseEntrypoint(`["unterminated`); err == nil {
		t.Fatal("bad JSON accepted")
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
