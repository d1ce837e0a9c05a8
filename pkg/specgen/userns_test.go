package specgen

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func TestHasSubIDRange(t *testing.T) {
	f := filepath.Join(t.TempDir(), "subuid")
	if err := os.WriteFile(f, []byte("podtest:100000:65536\nempty:200000:0\n# comment\ncontainers:300000:1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"containers": true, "podtest": true, "empty": false, "nobody": false} {
		got, err := hasSubIDRange(f, name)
		if err != nil || got != want {
			t.Errorf("hasSubIDRange(%q) = %v, %v; want %v", name, got, err, want)
		}
	}
	if got, err := hasSubIDRange(filepath.Join(t.TempDir(), "missing"), "containers"); got || err != nil {
		t.Errorf("missing file: %v, %v", got, err)
	}
}

func TestBuildUserNSRefusals(t *testing.T) {
	root := UserNSHost{Rootless: false, AutoUser: "containers"}
	for _, tc := range []struct {
		name    string
		netMode string
		o       UserNSOptions
		host    UserNSHost
		want    string
	}{
		{"bad mode", "", UserNSOptions{UserNS: "sideways"}, root, "sideways"},
		{"both", "", UserNSOptions{UserNS: "auto", UIDMap: []string{"0:1000:1"}}, root, "mutually exclusive"},
		{"keep-id as root", "", UserNSOptions{UserNS: "keep-id"}, root, "only supported in rootless mode"},
		{"nomap as root", "", UserNSOptions{UserNS: "nomap"}, root, "only supported in rootless mode"},
		{"another's network", NetModeContainerPrefix + "abc", UserNSOptions{UserNS: "auto"}, root, "cannot be combined"},
		{"a namespace path", NetModeNSPrefix + "/run/netns/x", UserNSOptions{UIDMap: []string{"0:1000:1"}}, root, "cannot be combined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := &ContainerConfig{NetworkMode: tc.netMode}
			err := BuildUserNS(cfg, tc.o, tc.host)
			if err == nil || !errors.Is(err, errdefs.ErrInvalidArg) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want an invalid argument containing %q", err, tc.want)
			}
			if cfg.UsernsMode != "" || cfg.UIDMap != nil || cfg.KeepID != nil {
				t.Errorf("a refused user namespace left %+v", cfg)
			}
		})
	}
	// The host's namespace (no flag) changes nothing.
	cfg := &ContainerConfig{NetworkMode: NetModeContainerPrefix + "abc"}
	if err := BuildUserNS(cfg, UserNSOptions{}, root); err != nil || cfg.UsernsMode != "" {
		t.Fatalf("no flags: %v %+v", err, cfg)
	}
	// A rootless --userns=auto takes the user's own ranges: nothing to check.
	cfg = &ContainerConfig{}
	if err := BuildUserNS(cfg, UserNSOptions{UserNS: "auto:size=100"}, UserNSHost{Rootless: true}); err != nil || cfg.UsernsMode != "auto:size=100" {
		t.Fatalf("rootless auto: %v %q", err, cfg.UsernsMode)
	}
}
