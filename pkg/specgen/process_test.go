package specgen

import (
	"errors"
	"slices"
	"testing"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func TestDefaultEnv(t *testing.T) {
	f := false
	image := []string{"PATH=/bin", "A=image", "B=b"}
	host := []string{"A=host", "HOSTONLY=1", "http_proxy=http://p:1", "NO_PROXY=x"}
	for _, tc := range []struct {
		name string
		o    ProcessOptions
		want []string
	}{
		{"proxy by default", ProcessOptions{}, []string{"PATH=/bin", "A=image", "B=b", "http_proxy=http://p:1", "NO_PROXY=x"}},
		{"no proxy", ProcessOptions{HTTPProxy: &f}, image},
		{"env-host under the image", ProcessOptions{EnvHost: true}, []string{"PATH=/bin", "A=image", "B=b", "HOSTONLY=1", "http_proxy=http://p:1", "NO_PROXY=x"}},
		{"merge", ProcessOptions{HTTPProxy: &f, EnvMerge: []string{"PATH=${PATH}:/x", "C=$B-c"}}, []string{"PATH=/bin:/x", "A=image", "B=b", "C=b-c"}},
		{"unset", ProcessOptions{HTTPProxy: &f, UnsetEnv: []string{"A", "PATH"}}, []string{"B=b"}},
		{"unset all", ProcessOptions{UnsetEnvAll: true}, nil},
	} {
		got, err := DefaultEnv(image, tc.o, host)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
	if _, err := DefaultEnv(image, ProcessOptions{EnvMerge: []string{"NOEQ"}}, nil); !errors.Is(err, errdefs.ErrInvalidArg) {
		t.Errorf("--env-merge NOEQ: %v", err)
	}
}

func TestDropDefaultEnv(t *testing.T) {
	env := []string{"PATH=/bin", "HOME=/", "container=pod", "KEEP=1"}
	cfg := &ContainerConfig{UnsetEnvAll: true}
	if got := DropDefaultEnv(slices.Clone(env), cfg, []string{"KEEP=1"}); !slices.Equal(got, []string{"KEEP=1"}) {
		t.Errorf("unset all: %q", got)
	}
	cfg = &ContainerConfig{UnsetEnv: []string{"container", "KEEP"}}
	if got := DropDefaultEnv(slices.Clone(env), cfg, []string{"KEEP=1"}); !slices.Equal(got, []string{"PATH=/bin", "HOME=/", "KEEP=1"}) {
		t.Errorf("unset container: %q", got)
	}
}

func TestProcessParsers(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{{"c 1:3 mr", "c 1:3 mr"}, {"a *:* rwm", "a *:* rwm"}, {"b 8:* w", "b 8:* w"}, {"x 1:3 r", ""}, {"c 1 r", ""}, {"c 1:3 q", ""}, {"c -1:3 r", ""}} {
		r, err := ParseDeviceCgroupRule(tc.in)
		if got := r.String(); tc.want != "" && (err != nil || got != tc.want) || tc.want == "" && err == nil {
			t.Errorf("ParseDeviceCgroupRule(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for in, want := range map[string]string{"022": "0022", "0077": "0077", "7": "0007", "8": "", "1000": ""} {
		got, err := ParseUmask(in)
		if (want == "") != (err != nil) || got != want {
			t.Errorf("ParseUmask(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, tc := range []struct {
		mode string
		argv []string
		want bool
	}{{"true", []string{"/sbin/init"}, true}, {"", []string{"/usr/lib/systemd/systemd"}, true}, {"true", []string{"sh"}, false},
		{"always", []string{"sh"}, true}, {"false", []string{"/sbin/init"}, false}} {
		if got, err := SystemdMode(tc.mode, tc.argv); err != nil || got != tc.want {
			t.Errorf("SystemdMode(%q, %q) = %v, %v", tc.mode, tc.argv, got, err)
		}
	}
	if _, err := SystemdMode("yes", nil); err == nil {
		t.Error("--systemd yes accepted")
	}
}
