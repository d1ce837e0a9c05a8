package spec

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	osuser "os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/sys/user"
	"github.com/opencontainers/runtime-spec/specs-go"
)

// rootlessMaps returns the unshare(1) arguments of the two user namespaces
// TestRuncRootless runs in: the one a rootless pod runs in (the user's own
// ID as root plus its first subordinate ranges, read from /etc/subuid and
// /etc/subgid: useradd hands them out in creation order, so no start can
// be assumed), and the smallest one (the user alone), in which GID 5 (tty)
// does not exist.
func rootlessMaps(t *testing.T, name string) map[string][]string {
	t.Helper()
	first := func(file string) user.SubID {
		ids, err := user.ParseSubIDFileFilter(file, func(s user.SubID) bool { return s.Name == name && s.Count > 0 })
		if err != nil || len(ids) == 0 {
			t.Skipf("%s has no range for %s (make deps adds one): %v", file, name, err)
		}
		return ids[0]
	}
	u, g := first("/etc/subuid"), first("/etc/subgid")
	return map[string][]string{
		"subids": {"--map-root-user",
			fmt.Sprintf("--map-users=%d,1,%d", u.SubID, u.Count),
			fmt.Sprintf("--map-groups=%d,1,%d", g.SubID, g.Count)},
		"useronly": {"--map-root-user"},
	}
}

// TestRuncRootless re-runs this test binary as the unprivileged user
// podtest inside a user namespace, as a rootless pod runs, and there
// generates specs and runs them with runc (TestRuncRootlessChild).
func TestRuncRootless(t *testing.T) {
	if os.Geteuid() != 0 || inUserNS() {
		t.Skip("needs root in the initial user namespace, to become podtest")
	}
	u, err := osuser.Lookup("podtest")
	if err != nil {
		t.Skip("no podtest user")
	}
	for _, tool := range []string{"runc", "runuser", "unshare", "newuidmap"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)

	// podtest must reach the test binary and own the root filesystem (it
	// is root in its namespace).
	dir, err := os.MkdirTemp("", "spec-rootless-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "spec.test")
	if err := copyFile(os.Args[0], bin, 0o755); err != nil {
		t.Fatal(err)
	}
	rootfs := busyboxRootfs(t)
	if err := os.Rename(rootfs, filepath.Join(dir, "rootfs")); err != nil {
		t.Fatal(err)
	}
	rootfs = filepath.Join(dir, "rootfs")
	if err := filepath.Walk(rootfs, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	}); err != nil {
		t.Fatal(err)
	}

	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(tmp, uid, gid); err != nil {
		t.Fatal(err)
	}

	for name, maps := range rootlessMaps(t, u.Username) {
		t.Run(name, func(t *testing.T) {
			args := append([]string{"-u", "podtest", "--", "unshare"}, maps...)
			args = append(args, bin, "-test.run", "^TestRuncRootlessChild$", "-test.v", "-test.count=1")
			cmd := exec.Command("runuser", args...)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "POD_SPEC_TEST_ROOTFS="+rootfs, "POD_SPEC_TEST_MAP="+name, "TMPDIR="+tmp)
			out, err := cmd.CombinedOutput()
			t.Logf("child:\n%s", out)
			if err != nil {
				t.Fatalf("child test failed: %v", err)
			}
			if !strings.Contains(string(out), "--- PASS: TestRuncRootlessChild") {
				t.Fatal("child test did not run")
			}
		})
	}
}

// TestRuncRootlessChild is TestRuncRootless's part inside the user
// namespace; it does nothing when run directly.
func TestRuncRootlessChild(t *testing.T) {
	rootfs := os.Getenv("POD_SPEC_TEST_ROOTFS")
	if rootfs == "" {
		t.Skip("run by TestRuncRootless")
	}
	if !inUserNS() {
		t.Fatal("not in a user namespace")
	}
	const status = `grep -E '^(CapEff|Seccomp):' /proc/self/status
echo keys=$(cat /proc/keys | wc -c)
grep ' /sys ' /proc/mounts | head -1
grep ' /dev/pts ' /proc/mounts
id -u
`
	tests := []struct {
		name   string
		opts   func(*Options)
		want   []string
		reject []string
	}{
		{name: "own network namespace", opts: func(o *Options) {
			// Dropped on cgroup v1, where a rootless runtime cannot apply them.
			o.Resources = &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: 50}}
			o.CgroupsPath = "/pod-spec-test"
		},
			want: []string{"CapEff:\t" + capMask(t, DefaultCapabilities()), "Seccomp:\t2", "keys=0", "sysfs /sys sysfs ro,"}},
		{name: "host network", opts: func(o *Options) { o.HostNetwork = true },
			want: []string{"Seccomp:\t2", "keys=0", " /sys sysfs ro,"}},
		{name: "privileged", opts: func(o *Options) {
			o.Privileged = true
			o.Args[2] += "[ -c /dev/net/tun ] && echo tun-device\n"
		}, want: []string{"CapEff:\t" + capMask(t, allCapabilities()), "Seccomp:\t0", " /sys sysfs rw,", "tun-device"}, reject: []string{"keys=0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := Options{Rootfs: rootfs, Args: []string{"sh", "-c", status}}
			tc.opts(&o)
			if ResourcesApplied(o) != (probeHost(o).cgroupMode.Version() == "v2") {
				t.Error("ResourcesApplied disagrees with the cgroup layout")
			}
			s, err := Generate(o)
			if err != nil {
				t.Fatal(err)
			}
			pts := mountAt(s, "/dev/pts")
			if gid5 := strings.Contains(strings.Join(pts.Options, ","), "gid=5"); gid5 != (os.Getenv("POD_SPEC_TEST_MAP") == "subids") {
				t.Errorf("/dev/pts options %v in the %s namespace", pts.Options, os.Getenv("POD_SPEC_TEST_MAP"))
			}
			out := runInRunc(t, o)
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q", w)
				}
			}
			for _, r := range tc.reject {
				if strings.Contains(out, r) {
					t.Errorf("output has %q", r)
				}
			}
		})
	}
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
