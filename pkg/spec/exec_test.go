package spec

import (
	"slices"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
)

func TestExecProcess(t *testing.T) {
	base := &specs.Spec{Process: &specs.Process{
		Args: []string{"sleep", "100"},
		Env:  []string{"PATH=/bin", "HOME=/root", "A=1"},
		Cwd:  "/",
		User: specs.User{UID: 0, GID: 0},
		Capabilities: &specs.LinuxCapabilities{
			Bounding: []string{"CAP_CHOWN"}, Effective: []string{"CAP_CHOWN"}, Permitted: []string{"CAP_CHOWN"},
		},
		NoNewPrivileges: true,
	}}
	for _, tc := range []struct {
		name  string
		opts  ExecOptions
		check func(t *testing.T, p *specs.Process)
	}{
		{"defaults", ExecOptions{Args: []string{"ls"}}, func(t *testing.T, p *specs.Process) {
			if !slices.Equal(p.Args, []string{"ls"}) || p.Cwd != "/" || p.Terminal || !p.NoNewPrivileges {
				t.Errorf("got %+v", p)
			}
			if !slices.Equal(p.Env, base.Process.Env) {
				t.Errorf("env %v", p.Env)
			}
		}},
		{"env, tty, cwd", ExecOptions{Args: []string{"sh"}, Env: []string{"A=2", "B=3"}, Terminal: true, Cwd: "/tmp"},
			func(t *testing.T, p *specs.Process) {
				want := []string{"PATH=/bin", "HOME=/root", "A=2", "TERM=xterm", "B=3"}
				if !slices.Equal(p.Env, want) || !p.Terminal || p.Cwd != "/tmp" {
					t.Errorf("env %v terminal %v cwd %q", p.Env, p.Terminal, p.Cwd)
				}
			}},
		{"user", ExecOptions{Args: []string{"id"}, User: &User{UID: 1000, GID: 100, Home: "/home/u"}},
			func(t *testing.T, p *specs.Process) {
				if p.User.UID != 1000 || p.User.GID != 100 || !slices.Contains(p.Env, "HOME=/home/u") {
					t.Errorf("user %+v env %v", p.User, p.Env)
				}
			}},
		{"privileged", ExecOptions{Args: []string{"id"}, Privileged: true}, func(t *testing.T, p *specs.Process) {
			if len(p.Capabilities.Effective) <= 1 {
				t.Errorf("caps %v", p.Capabilities.Effective)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ExecProcess(base, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, p)
			if base.Process.Args[0] != "sleep" || len(base.Process.Env) != 3 {
				t.Fatal("the container's spec changed")
			}
		})
	}
	if _, err := ExecProcess(base, ExecOptions{}); err == nil {
		t.Error("no command: want an error")
	}
}
