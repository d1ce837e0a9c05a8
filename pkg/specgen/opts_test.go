package specgen

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestParseTmpfs(t *testing.T) {
	got, err := ParseTmpfs("/run:size=1m,mode=1777")
	want := MountConfig{Type: "tmpfs", Source: "tmpfs", Destination: "/run", Options: []string{"size=1048576", "mode=1777"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, %v", got, err)
	}
	if _, err := ParseTmpfs("run"); err == nil {
		t.Fatal("relative tmpfs destination accepted")
	}
	if _, err := ParseTmpfs("/run:size=huge"); err == nil {
		t.Fatal("bad size accepted")
	}
}

func TestMergeEnv(t *testing.T) {
	t.Setenv("POD_TEST_HOST_VAR", "host")
	os.Unsetenv("POD_TEST_UNSET_VAR")
	got := MergeEnv([]string{"PATH=/bin", "A=image"}, []string{"A=flag", "B=1", "POD_TEST_HOST_VAR", "POD_TEST_UNSET_VAR", "B=2", "EMPTY="})
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
	got, err := ReadEnvFile(p)
	if want := []string{"A=1", "B=two words ", "C"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, %v; want %q", got, err, want)
	}
	if err := os.WriteFile(p, []byte("BAD KEY=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadEnvFile(p); err == nil {
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
			got, err := ParseRestartPolicy(tc.in)
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

func TestParseLogOpts(t *testing.T) {
	d, o, err := ParseLogOpts("", []string{"max-size=10k"})
	if err != nil || d != "k8s-file" || o["max-size"] != "10240" {
		t.Fatalf("got %q %v %v", d, o, err)
	}
	for _, bad := range [][]string{{"max-size"}, {"max-size=big"}, {"tag=x"}} {
		if _, _, err := ParseLogOpts("json-file", bad); err == nil {
			t.Fatalf("accepted %q", bad)
		}
	}
	d, o, err = ParseLogOpts("journald", []string{"tag={{.Name}}-x"})
	if err != nil || d != "journald" || o["tag"] != "{{.Name}}-x" {
		t.Fatalf("journald with a tag: %q %v %v", d, o, err)
	}
	for _, bad := range []string{"tag={{.Name", "tag={{nosuchfunc}}"} {
		if _, _, err := ParseLogOpts("journald", []string{bad}); err == nil {
			t.Fatalf("accepted %q", bad)
		}
	}
	if _, _, err := ParseLogOpts("syslog", nil); err == nil {
		t.Fatal("accepted syslog")
	}
}

func TestParseEntrypoint(t *testing.T) {
	for in, want := range map[string][]string{
		"":                nil,
		"/bin/sh":         {"/bin/sh"},
		`["sh","-c","x"]`: {"sh", "-c", "x"},
	} {
		got, err := ParseEntrypoint(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("ParseEntrypoint(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseEntrypoint(`["unterminated`); err == nil {
		t.Fatal("bad JSON accepted")
	}
}
