package hooks

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func write(t *testing.T, dir, name, data string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadAndApply(t *testing.T) {
	usr, etc := filepath.Join(t.TempDir(), "usr"), filepath.Join(t.TempDir(), "etc")
	write(t, usr, "a.json", `{"version":"1.0.0","hook":{"path":"/bin/usr-a"},"when":{"always":true},"stages":["prestart"]}`)
	write(t, etc, "a.json", `{"version":"1.0.0","hook":{"path":"/bin/etc-a","args":["etc-a","x"]},"when":{"always":true},"stages":["createRuntime","poststop"]}`)
	write(t, usr, "b.json", `{"version":"1.0.0","hook":{"path":"/bin/b"},"when":{"annotations":{"^io\\.pod\\.x$":"^on$"}},"stages":["poststart"]}`)
	write(t, usr, "c.json", `{"version":"1.0.0","hook":{"path":"/bin/c"},"when":{"commands":["/sleep$"]},"stages":["startContainer"]}`)
	write(t, usr, "d.json", `{"version":"1.0.0","hook":{"path":"/bin/d"},"when":{"hasBindMounts":true},"stages":["createContainer"]}`)
	write(t, usr, "notes.txt", "not a hook")

	hs, err := Load([]string{usr, etc, filepath.Join(t.TempDir(), "missing")})
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 4 || hs[0].Hook.Path != "/bin/etc-a" {
		t.Fatalf("loaded %d hooks, the first %+v: want 4, etc's a.json replacing usr's", len(hs), hs[0].Hook)
	}
	for _, tc := range []struct {
		name string
		spec specs.Spec
		want string // paths of the hooks added, by stage
	}{
		{"always only", specs.Spec{Process: &specs.Process{Args: []string{"/bin/true"}}},
			"createRuntime=/bin/etc-a poststop=/bin/etc-a"},
		{"annotation, command and bind mount", specs.Spec{
			Process:     &specs.Process{Args: []string{"/bin/sleep", "1"}},
			Annotations: map[string]string{"io.pod.x": "on"},
			Mounts:      []specs.Mount{{Type: "bind", Destination: "/d"}},
		}, "createRuntime=/bin/etc-a createContainer=/bin/d startContainer=/bin/c poststart=/bin/b poststop=/bin/etc-a"},
		{"annotation value not matching", specs.Spec{Annotations: map[string]string{"io.pod.x": "off"}},
			"createRuntime=/bin/etc-a poststop=/bin/etc-a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.spec
			Apply(&s, hs)
			var got []string
			for _, st := range []struct {
				name  string
				hooks []specs.Hook
			}{{"prestart", s.Hooks.Prestart}, {"createRuntime", s.Hooks.CreateRuntime}, //nolint:staticcheck
				{"createContainer", s.Hooks.CreateContainer}, {"startContainer", s.Hooks.StartContainer},
				{"poststart", s.Hooks.Poststart}, {"poststop", s.Hooks.Poststop}} {
				for _, h := range st.hooks {
					got = append(got, st.name+"="+h.Path)
				}
			}
			if strings.Join(got, " ") != tc.want {
				t.Errorf("hooks %q, want %q", strings.Join(got, " "), tc.want)
			}
		})
	}
}

func TestLoadBad(t *testing.T) {
	for _, tc := range []struct{ data, want string }{
		{`{`, "unexpected end"},
		{`{"version":"2.0.0","hook":{"path":"/x"},"when":{"always":true},"stages":["prestart"]}`, "only 1.0.0"},
		{`{"version":"1.0.0","hook":{"path":"x"},"when":{"always":true},"stages":["prestart"]}`, "not absolute"},
		{`{"version":"1.0.0","hook":{"path":"/x"},"when":{},"stages":["prestart"]}`, "no condition"},
		{`{"version":"1.0.0","hook":{"path":"/x"},"when":{"always":true},"stages":[]}`, "no stages"},
		{`{"version":"1.0.0","hook":{"path":"/x"},"when":{"always":true},"stages":["later"]}`, `unknown stage "later"`},
		{`{"version":"1.0.0","hook":{"path":"/x"},"when":{"commands":["("]},"stages":["prestart"]}`, "command pattern"},
	} {
		dir := t.TempDir()
		write(t, dir, "h.json", tc.data)
		_, err := Load([]string{dir})
		if !errors.Is(err, errdefs.ErrInvalidArg) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "h.json") {
			t.Errorf("%s: error %v, want one naming h.json with %q", tc.data, err, tc.want)
		}
	}
}
