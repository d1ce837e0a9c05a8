package e2e

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInputMessages checks that bad input gets one clear line naming
// what was wrong, whole: no trailing category word (": invalid argument",
// ": not found") and no Go function names (strconv.ParseFloat), and that
// nothing is left made.
func TestBadInputMessages(t *testing.T) {
	forEachUserInTurn(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		for _, tc := range []struct {
			args []string
			want string // the whole error line after "Error: "
		}{
			{[]string{"run", "--memory", "foo", img, "true"}, `invalid --memory "foo": not a size such as 512m or 2g`},
			{[]string{"run", "--memory", "1g", "--memory-reservation", "x", img, "true"}, `invalid --memory-reservation "x": not a size such as 256m`},
			{[]string{"create", "--cpus", "x", img}, `pod create: invalid argument "x" for "--cpus" flag: not a number (see 'pod create --help')`},
			{[]string{"run", "--pids-limit", "x", img}, `pod run: invalid argument "x" for "--pids-limit" flag: not a whole number (see 'pod run --help')`},
			{[]string{"run", "--ulimit", "foo", img, "true"}, `invalid --ulimit "foo": invalid ulimit argument: foo`},
			{[]string{"run", "--ulimit", "nofile=abc", img, "true"}, `invalid --ulimit "nofile=abc": limit "abc" is not a number`},
			{[]string{"run", "--ulimit", "nofile=-2", img, "true"}, `invalid --ulimit "nofile=-2": negative limit -2 (-1 is unlimited)`},
			{[]string{"run", "--ulimit", "nofile=10:5", img, "true"}, `invalid --ulimit "nofile=10:5": ulimit soft limit must be less than or equal to hard limit: 10 > 5`},
			// -p is parsed before --network none refuses it.
			{[]string{"run", "--network", "none", "-p", "70000:80", img, "true"}, `invalid --publish "70000:80": invalid hostPort: 70000`},
			{[]string{"run", "--network", "none", "-p", "80/icmp", img, "true"}, `invalid --publish "80/icmp": invalid proto: icmp`},
			{[]string{"run", "--network", "none", "-p", "8000-8001:80", img, "true"}, `invalid --publish "8000-8001:80": host range 8000-8001 for one container port: give a container range of the same length`},
			{[]string{"run", "--stop-signal", "FOO", img, "true"}, `invalid --stop-signal "FOO": not a signal name or number`},
			{[]string{"run", "-w", "rel", img, "true"}, `invalid --workdir "rel": not an absolute path`},
			{[]string{"run", "-e", "=x", img, "true"}, `invalid --env "=x": empty variable name`},
			{[]string{"kill", "-s", "FOO", "nosuch"}, `invalid signal "FOO"`},
			{[]string{"network", "rm", "nosuch"}, `unable to find network with name or ID nosuch: network not found`},
			{[]string{"network", "create", "--subnet", "foo", "bad"}, `invalid subnet "foo": not a CIDR such as 10.89.0.0/24`},
			{[]string{"volume", "create", "--driver", "nope", "bad"}, `unsupported volume driver "nope": pod only has the "local" driver`},
			{[]string{"pull", "::bad"}, `parsing reference "::bad": invalid reference format`},
			{[]string{"save", "-o", filepath.Join(t.TempDir(), "x.tar"), "nosuch"}, `nosuch: image not known`},
			// Categories add no words: these once ended in ": invalid argument".
			{[]string{"network", "reload"}, `give --all or container names, not both or neither`},
			{[]string{"network", "create", "--opt", "=1", "bad"}, `--opt "=1": empty key`},
		} {
			r := e.Pod(tc.args...).Fails(t, 125, tc.want)
			lines := strings.Split(strings.TrimRight(r.Stderr, "\n"), "\n")
			if got := lines[len(lines)-1]; got != "Error: "+tc.want {
				t.Errorf("pod %s:\n got  %q\n want %q", strings.Join(tc.args, " "), got, "Error: "+tc.want)
			}
		}
		// A taken network name says so in podman's words, not with a
		// trailing category word (once "network name dup: already exists").
		e.MustPod("network", "create", "--subnet", "10.239.77.0/24", "dup")
		r := e.Pod("network", "create", "--subnet", "10.239.78.0/24", "dup").Fails(t, 125, "")
		if got, want := strings.TrimSpace(r.Stderr), "Error: network name dup already used: network already exists"; got != want {
			t.Errorf("pod network create dup again: %q, want %q", got, want)
		}
		e.MustPod("network", "rm", "dup")
		// A port a container does not publish: once "...: not found".
		e.MustPod("create", "--name", "noports", "--network", "none", img, "true")
		r = e.Pod("port", "noports", "80").Fails(t, 125, "")
		if got, want := strings.TrimSpace(r.Stderr), "Error: no public port 80/tcp published for noports"; got != want {
			t.Errorf("pod port noports 80: %q, want %q", got, want)
		}
		e.MustPod("rm", "noports")
		// An image the registry does not have: the registry's words last.
		r = e.Pod("pull", "nosuchimg").Fails(t, 125, "nosuchimg")
		if !strings.HasSuffix(strings.TrimSpace(r.Stderr), ": manifest unknown") {
			t.Errorf("pod pull nosuchimg: %q, want it to end in the registry's \"manifest unknown\"", r.Stderr)
		}
		// A short name with nowhere to look (no unqualified-search
		// registries): the resolver's own words, nothing added after.
		saved := e.ExtraEnv
		e.ExtraEnv = append(append([]string{}, saved...), "CONTAINERS_REGISTRIES_CONF="+e.WriteFile("no-search.conf", nil))
		r = e.Pod("pull", "nosuchimg").Fails(t, 125, `short-name "nosuchimg" did not resolve to an alias`)
		e.ExtraEnv = saved
		if strings.HasSuffix(strings.TrimSpace(r.Stderr), ": invalid argument") {
			t.Errorf("pod pull nosuchimg without search registries: %q ends in the category", r.Stderr)
		}
		if out := strings.TrimSpace(e.MustPod("ps", "-a", "-q").Stdout); out != "" {
			t.Errorf("bad input left containers: %q", out)
		}
		if out := strings.TrimSpace(e.MustPod("volume", "ls", "-q").Stdout); out != "" {
			t.Errorf("bad input left volumes: %q", out)
		}
	})
}
