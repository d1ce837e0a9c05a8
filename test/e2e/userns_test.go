package e2e

import (
	"fmt"
	"os/user"
	"strings"
	"testing"
)

// idRange is one line of a uid_map, or one CONTAINER:HOST:SIZE mapping.
type idRange struct{ container, host, size int }

// parseIDRanges reads "C H S" lines or "C:H:S" items.
func parseIDRanges(t *testing.T, items []string) []idRange {
	t.Helper()
	var out []idRange
	for _, it := range items {
		f := strings.Fields(strings.ReplaceAll(it, ":", " "))
		if len(f) != 3 {
			t.Fatalf("not an ID range: %q", it)
		}
		out = append(out, idRange{atoi(f[0]), atoi(f[1]), atoi(f[2])})
	}
	return out
}

// mapsHost is the host side of a container's namespace as the engine sees
// it: for --uidmap 0:HOST:SIZE the container's /proc/self/uid_map reads
// "0 HOST SIZE" (IDs of the namespace pod runs in: the host's as root, the
// pause process's rootless).
func mapsHost(e *Env) int {
	if e.Rootless() {
		return 1
	}
	return 200000
}

// With --uidmap/--gidmap the container runs in a user namespace of its own
// with exactly those maps; the image's files, owned by root in the layer,
// are owned by the container's root, who can write to the root filesystem.
func TestUsernsUIDMap(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		host := mapsHost(e)
		m := fmt.Sprintf("0:%d:1000", host)
		r := e.MustPod("run", "--rm", "--uidmap", m, "--gidmap", m, suite.images.Busybox,
			"sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; stat -c %u:%g /bin/busybox /etc/passwd; id -u; touch /new && stat -c %u /new")
		lines := r.Lines()
		want := []string{fmt.Sprintf("0 %d 1000", host), fmt.Sprintf("0 %d 1000", host), "0:0", "0:0", "0", "0"}
		if len(lines) != len(want) {
			t.Fatalf("output %q, want %q", lines, want)
		}
		for i, w := range want {
			if got := strings.Join(strings.Fields(lines[i]), " "); got != w {
				t.Errorf("line %d = %q, want %q (output %q)", i, got, w, lines)
			}
		}

		// A new named volume and the /etc files are the container root's.
		r = e.MustPod("run", "--rm", "--uidmap", m, "--gidmap", m, "-v", "uvol:/data", suite.images.Busybox,
			"sh", "-c", "touch /data/x && stat -c %u /data/x; echo 10.9.9.9 extra >> /etc/hosts && tail -1 /etc/hosts")
		if l := r.Lines(); len(l) != 2 || l[0] != "0" || l[1] != "10.9.9.9 extra" {
			t.Errorf("volume and /etc/hosts as the container's root: %q", l)
		}

		// As root, the container's cgroup limits hold with its own user
		// namespace too (the runtime makes the cgroup before entering it).
		if !e.Rootless() {
			r = e.MustPod("run", "--rm", "--uidmap", m, "--memory", "64m", suite.images.Busybox,
				"sh", "-c", "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max")
			if got := strings.TrimSpace(r.Stdout); got != "67108864" {
				t.Errorf("memory limit inside %q, want 67108864 (stderr %q)", got, r.Stderr)
			}
		}

		// --uidmap alone serves for GIDs too, as in podman; inspect shows
		// the maps, exec and top see the container's own IDs.
		e.MustPod("run", "-d", "--name", "mapped", "--uidmap", m, suite.images.Busybox, "sleep", "300")
		r = e.MustPod("inspect", "--format", "{{.HostConfig.UsernsMode}} {{.HostConfig.IDMappings.UIDMap}} {{.HostConfig.IDMappings.GIDMap}}", "mapped")
		if got, w := strings.TrimSpace(r.Stdout), fmt.Sprintf("private [%s] [%s]", m, m); got != w {
			t.Errorf("inspect: %q, want %q", got, w)
		}
		r = e.MustPod("exec", "mapped", "sh", "-c", "id -u; id -g; cat /proc/self/gid_map")
		if l := r.Lines(); len(l) != 3 || l[0] != "0" || l[1] != "0" || strings.Join(strings.Fields(l[2]), " ") != fmt.Sprintf("0 %d 1000", host) {
			t.Errorf("exec: %q", l)
		}
		r = e.MustPod("top", "mapped", "user", "args")
		if l := r.Lines(); len(l) != 2 || !strings.HasPrefix(l[1], "root ") {
			t.Errorf("top: %q, want the process as root", l)
		}
		// A commit records the container's IDs, not pod's.
		e.MustPod("exec", "mapped", "sh", "-c", "touch /by-root && touch /by-five && chown 5:5 /by-five")
		e.MustPod("commit", "-q", "mapped", "localhost/mapped-commit")
		r = e.MustPod("run", "--rm", "localhost/mapped-commit", "stat", "-c", "%u:%g", "/by-root", "/by-five", "/bin/busybox")
		if l := r.Lines(); len(l) != 3 || l[0] != "0:0" || l[1] != "5:5" || l[2] != "0:0" {
			t.Errorf("owners in the committed image: %q, want 0:0 5:5 0:0", l)
		}

		// A copy into the container belongs to its root, as without maps.
		e.MustPod("cp", e.WriteFile("copied.txt", []byte("hi\n")), "mapped:/copied.txt")
		r = e.MustPod("exec", "mapped", "stat", "-c", "%u:%g", "/copied.txt")
		if got := strings.TrimSpace(r.Stdout); got != "0:0" {
			t.Errorf("copied file owned by %q inside, want 0:0", got)
		}
		e.MustPod("rm", "-f", "-t", "0", "mapped")
	})
}

// keep-id (rootless): the user's own IDs and name inside, mapped to
// itself, the process running as the user with its home; the image's
// /etc/passwd is left as it was. As root it is refused.
func TestUsernsKeepID(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		if !e.Rootless() {
			e.Pod("run", "--rm", "--userns", "keep-id", suite.images.Busybox, "id").Fails(t, 125, "keep-id is only supported in rootless mode")
			if r := e.MustPod("ps", "-aq"); strings.TrimSpace(r.Stdout) != "" {
				t.Fatalf("a refused create left containers: %q", r.Stdout)
			}
			return
		}
		u, err := user.LookupId(itoa(e.uid))
		if err != nil {
			t.Fatal(err)
		}
		g, err := user.LookupGroupId(itoa(e.gid))
		if err != nil {
			t.Fatal(err)
		}
		r := e.MustPod("run", "--rm", "--userns", "keep-id", suite.images.Busybox, "sh", "-c", "id; echo HOME=$HOME; cat /proc/self/uid_map; stat -c %u /bin/busybox")
		lines := r.Lines()
		wantID := fmt.Sprintf("uid=%d(%s) gid=%d(%s)", e.uid, u.Username, e.gid, g.Name)
		if len(lines) < 6 || !strings.HasPrefix(lines[0], wantID) {
			t.Fatalf("output %q, want it to start with %q", lines, wantID)
		}
		if lines[1] != "HOME="+u.HomeDir {
			t.Errorf("%q, want HOME=%s", lines[1], u.HomeDir)
		}
		// podman's layout: 0..uid-1 -> 1..uid, uid -> the user, the rest above.
		wantMap := []string{fmt.Sprintf("0 1 %d", e.uid), fmt.Sprintf("%d 0 1", e.uid), fmt.Sprintf("%d %d %d", e.uid+1, e.uid+1, 65536-e.uid)}
		for i, w := range wantMap {
			if got := strings.Join(strings.Fields(lines[2+i]), " "); got != w {
				t.Errorf("uid_map line %d = %q, want %q", i, got, w)
			}
		}
		if lines[5] != "0" {
			t.Errorf("/bin/busybox owned by %s inside, want 0", lines[5])
		}

		// keep-id:uid=,gid= choose the IDs the user has inside.
		r = e.MustPod("run", "--rm", "--userns", "keep-id:uid=200,gid=300", suite.images.Busybox, "sh", "-c", "id -u; id -g; grep ^"+u.Username+": /etc/passwd")
		if l := r.Lines(); len(l) != 3 || l[0] != "200" || l[1] != "300" || !strings.HasPrefix(l[2], u.Username+":*:200:300:") {
			t.Errorf("keep-id:uid=200,gid=300: %q", l)
		}

		e.MustPod("run", "-d", "--name", "kept", "--userns", "keep-id", suite.images.Busybox, "sleep", "300")
		// exec runs as the container's user, and knows the user's name.
		r = e.MustPod("exec", "kept", "id", "-un")
		if got := strings.TrimSpace(r.Stdout); got != u.Username {
			t.Errorf("exec as %q, want %q", got, u.Username)
		}
		r = e.MustPod("exec", "-u", u.Username, "kept", "id", "-u")
		if got := strings.TrimSpace(r.Stdout); got != itoa(e.uid) {
			t.Errorf("exec -u %s: uid %q, want %d", u.Username, got, e.uid)
		}
		r = e.MustPod("inspect", "--format", "{{.HostConfig.UsernsMode}} {{.Config.User}} {{.HostConfig.IDMappings.UIDMap}}", "kept")
		wantInspect := fmt.Sprintf("keep-id %d:%d [0:1:%d %d:0:1 %d:%d:%d]", e.uid, e.gid, e.uid, e.uid, e.uid+1, e.uid+1, 65536-e.uid)
		if got := strings.TrimSpace(r.Stdout); got != wantInspect {
			t.Errorf("inspect: %q, want %q", got, wantInspect)
		}
		// grep -c exits 1 when it counts none.
		r = e.Pod("run", "--rm", suite.images.Busybox, "grep", "-c", u.Username, "/etc/passwd")
		if r.Code != 1 || strings.TrimSpace(r.Stdout) != "0" {
			t.Errorf("the image's /etc/passwd gained the user: %q", r.Stdout)
		}
	})
}

// nomap (rootless): the user's own ID is not in the container at all.
func TestUsernsNoMap(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		if !e.Rootless() {
			e.Pod("create", "--userns", "nomap", suite.images.Busybox).Fails(t, 125, "nomap is only supported in rootless mode")
			return
		}
		r := e.MustPod("run", "--rm", "--userns", "nomap", suite.images.Busybox, "sh", "-c", "cat /proc/self/uid_map; id -u")
		if l := r.Lines(); len(l) != 2 || strings.Join(strings.Fields(l[0]), " ") != "0 1 65536" || l[1] != "0" {
			t.Errorf("nomap: %q", l)
		}
	})
}

// auto: storage gives each container a free range of the IDs pod may
// allocate (rootless: the user's subordinate IDs; root: the
// root-auto-userns-user's, here the test user's), recorded until the
// container is removed.
func TestUsernsAuto(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		if !e.Rootless() {
			e.ExtraEnv = []string{"CONTAINERS_STORAGE_CONF=" + e.WriteFile("storage.conf", []byte(
				"[storage]\n[storage.options]\nroot-auto-userns-user = \""+suite.rootless+"\"\n"))}
			if suite.rootless == "" || suite.rootless == "self" {
				t.Skip("no subordinate ID range for root's auto user")
			}
		}
		e.MustPod("create", "--name", "a1", "--userns", "auto", suite.images.Busybox, "true")
		e.MustPod("create", "--name", "a2", "--userns", "auto", suite.images.Busybox, "true")
		var ranges [][]idRange
		for _, name := range []string{"a1", "a2"} {
			r := e.MustPod("inspect", "--format", "{{.HostConfig.UsernsMode}} {{range .HostConfig.IDMappings.UIDMap}}{{.}} {{end}}", name)
			f := strings.Fields(r.Stdout)
			if len(f) < 2 || f[0] != "auto" {
				t.Fatalf("inspect %s: %q", name, r.Stdout)
			}
			ranges = append(ranges, parseIDRanges(t, f[1:]))
		}
		for _, a := range ranges[0] {
			for _, b := range ranges[1] {
				if a.host < b.host+b.size && b.host < a.host+a.size {
					t.Fatalf("two auto containers share host IDs: %v and %v", ranges[0], ranges[1])
				}
			}
		}
		e.MustPod("start", "-a", "a1") // an auto container runs
		r := e.MustPod("run", "--rm", "--userns", "auto:size=500", suite.images.Busybox, "sh", "-c", "cat /proc/self/uid_map; stat -c %u /bin/busybox")
		if l := r.Lines(); len(l) != 2 || !strings.HasSuffix(strings.Join(strings.Fields(l[0]), " "), " 500") || l[1] != "0" {
			t.Errorf("auto:size=500: %q", l)
		}

		// The range is the container's until it is removed: 65536 IDs hold
		// one container of 40000, not two.
		e.MustPod("rm", "a1", "a2")
		e.MustPod("create", "--name", "big", "--userns", "auto:size=40000", suite.images.Busybox, "true")
		r = e.Pod("create", "--name", "big2", "--userns", "auto:size=40000", suite.images.Busybox, "true")
		if r.Code != 125 {
			t.Fatalf("a second 40000-ID container fit into 65536 IDs: exit %d %s", r.Code, r.Stderr)
		}
		if out := e.MustPod("ps", "-aq").Lines(); len(out) != 1 {
			t.Fatalf("the refused create left a container: %q", out)
		}
		e.MustPod("rm", "big")
		e.MustPod("create", "--name", "big2", "--userns", "auto:size=40000", suite.images.Busybox, "true")
	})
}

// Bad --userns, --uidmap and --gidmap values fail with one line, exit 125,
// and leave nothing behind.
func TestUsernsBadInput(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"--uidmap", "0:x:10"}, `invalid --uidmap "0:x:10"`},
			{[]string{"--uidmap", "0:1"}, ""}, // size defaults to 1: valid
			{[]string{"--gidmap", "0:1:0"}, "the size must be at least 1"},
			{[]string{"--uidmap", "0:1:10", "--uidmap", "5:100:10"}, "overlap"},
			{[]string{"--uidmap", "0"}, "CONTAINER_ID:HOST_ID:SIZE"},
			{[]string{"--userns", "bogus"}, `invalid --userns "bogus"`},
			{[]string{"--userns", "auto:size=abc"}, "not KEY=NUMBER"},
			{[]string{"--userns", "keep-id", "--uidmap", "0:1:1"}, "mutually exclusive"},
			{[]string{"--uidmap", "0:70000:10"}, "not all mapped in pod's user namespace"},
			{[]string{"--userns", "auto", "--network", "ns:/proc/self/ns/net"}, "cannot be combined with a user namespace"},
		} {
			args := append(append([]string{"create"}, tc.args...), suite.images.Busybox, "true")
			if tc.want == "" {
				e.MustPod(args...)
				e.MustPod("rm", "-a")
				continue
			}
			if tc.args[1] == "0:70000:10" && !e.Rootless() {
				continue // as root every host ID exists
			}
			e.Pod(args...).Fails(t, 125, tc.want)
		}
		if r := e.MustPod("ps", "-aq"); strings.TrimSpace(r.Stdout) != "" {
			t.Fatalf("refused creates left containers: %q", r.Stdout)
		}
	})
}
