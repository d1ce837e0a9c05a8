package spec

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/sys/capability"
	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// busyboxRootfs makes a minimal root filesystem from the host's static
// busybox (Debian package busybox-static).
func busyboxRootfs(t *testing.T) string {
	t.Helper()
	bb, err := exec.LookPath("busybox")
	if err != nil {
		t.Skip("busybox not installed")
	}
	root := filepath.Join(t.TempDir(), "rootfs")
	for _, d := range []string{"bin", "etc", "proc", "sys", "dev", "tmp"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(bb)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "bin", "busybox"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"sh", "cat", "grep", "hostname", "head", "wc", "id", "echo", "ls", "touch", "tr", "true"} {
		if err := os.Symlink("busybox", filepath.Join(root, "bin", a)); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// capMask is the /proc/PID/status form of a capability set.
func capMask(t *testing.T, names []string) string {
	t.Helper()
	var mask uint64
	for _, n := range names {
		found := false
		for _, c := range capability.ListKnown() {
			if "CAP_"+strings.ToUpper(c.String()) == n {
				mask |= 1 << uint(c)
				found = true
			}
		}
		if !found {
			t.Fatalf("unknown capability %s", n)
		}
	}
	return fmt.Sprintf("%016x", mask)
}

// runInRunc writes o as a bundle, runs it with the host's runc and
// returns the container's output.
func runInRunc(t *testing.T, o Options) string {
	t.Helper()
	runc, err := exec.LookPath("runc")
	if err != nil {
		t.Skip("runc not installed")
	}
	s, err := Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	bundle := t.TempDir()
	if err := WriteBundle(bundle, s); err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("spec-test-%d-%s", os.Getpid(), strings.ReplaceAll(t.Name(), "/", "-"))
	state := t.TempDir()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(runc, "--root", state, "run", "--bundle", bundle, id)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	t.Cleanup(func() { exec.Command(runc, "--root", state, "delete", "--force", id).Run() })
	if err != nil {
		t.Fatalf("runc run: %v: %s%s", err, stderr.String(), stdout.String())
	}
	t.Logf("container output:\n%s", stdout.String())
	return stdout.String()
}

// TestRunc runs generated specs with the real runc and checks, from inside
// the container, what a user would: capabilities, seccomp, masked paths,
// hostname, /etc files, limits, namespaces.
func TestRunc(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	rootfs := busyboxRootfs(t)
	// A user namespace's root (host UID 100000) must reach the rootfs.
	for d := rootfs; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	hosts := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(hosts, HostsFile("spectest", []HostEntry{{IP: "10.1.2.3", Names: []string{"db"}}}), 0o644); err != nil {
		t.Fatal(err)
	}
	// /proc/kcore is absent from some kernels (this machine's); a masked one
	// reads empty either way, so keys and timer_list prove the masking.
	const status = `grep -E '^(CapEff|Seccomp|NoNewPrivs):' /proc/self/status
echo keys=$(cat /proc/keys | wc -c) timers=$(cat /proc/timer_list | wc -c)
echo kcore=$(head -c 16 /proc/kcore 2>/dev/null | wc -c)
grep -E ' /sys (sysfs|sysfs_bind) ' /proc/mounts | head -1
`
	tests := []struct {
		name   string
		opts   func(*Options)
		script string
		want   []string
		reject []string
	}{
		{name: "default posture", opts: func(o *Options) {
			o.Hostname = "spectest"
			o.EtcFiles = map[string]string{"/etc/hosts": hosts}
		}, script: status + `echo host=$(hostname)
grep db /etc/hosts
echo env=$HOSTNAME:$HOME
echo nofile=$(ulimit -n)
id`,
			want: []string{
				"CapEff:\t" + capMask(t, DefaultCapabilities()),
				"Seccomp:\t2",
				"NoNewPrivs:\t0",
				"keys=0 timers=0",
				"kcore=0",
				"host=spectest",
				"10.1.2.3\tdb",
				"env=spectest:/",
				"groups=0",
				" ro,",
			}},
		{name: "privileged", opts: func(o *Options) { o.Privileged = true }, script: status,
			want: []string{"CapEff:\t" + capMask(t, allCapabilities()), "Seccomp:\t0", "sysfs rw,"}, reject: []string{"keys=0", "timers=0"}},
		{name: "no new privileges and cap drop ALL", opts: func(o *Options) {
			o.NoNewPrivileges = true
			o.CapDrop = []string{"all"}
		}, script: status, want: []string{"CapEff:\t0000000000000000", "NoNewPrivs:\t1", "Seccomp:\t2"}},
		{name: "read-only rootfs and ulimits", opts: func(o *Options) {
			o.ReadOnlyRootfs = true
			o.Ulimits = []Ulimit{{Name: "nofile", Soft: 100, Hard: 200}}
		}, script: `touch /x 2>/dev/null && echo writable || echo read-only
touch /dev/shm/x && echo shm-writable
echo nofile=$(ulimit -n):$(ulimit -Hn)`,
			want: []string{"read-only", "shm-writable", "nofile=100:200"}},
		{name: "init", opts: func(o *Options) { o.InitPath = "/usr/bin/catatonit" }, script: `echo pid=$$
tr '\0' ' ' < /proc/1/cmdline; echo`,
			want: []string{InitPathInContainer + " -- sh -c"}},
		{name: "user namespace", opts: func(o *Options) {
			o.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
			o.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
		}, script: status + "cat /proc/self/uid_map; id -u",
			want: []string{"0     100000      65536", "Seccomp:\t2", "keys=0 timers=0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "init" && !fileExists("/usr/bin/catatonit") {
				t.Skip("catatonit not installed")
			}
			o := Options{Rootfs: rootfs, Args: []string{"sh", "-c", tc.script}}
			tc.opts(&o)
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

// TestRuncUlimitAboveOwnHardLimit shows what the user sees when --ulimit
// asks for more than the kernel lets pod grant: the runtime's message.
func TestRuncUlimitAboveOwnHardLimit(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	runc, err := exec.LookPath("runc")
	if err != nil {
		t.Skip("runc not installed")
	}
	var own unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &own); err != nil {
		t.Fatal(err)
	}
	if own.Max == Unlimited {
		t.Skip("no hard limit to exceed")
	}
	probe := unix.Rlimit{Cur: own.Cur, Max: own.Max + 1}
	if unix.Prlimit(0, unix.RLIMIT_NOFILE, &probe, nil) == nil {
		unix.Setrlimit(unix.RLIMIT_NOFILE, &own)
		t.Skip("pod may raise its hard limits here")
	}
	s, err := Generate(Options{Rootfs: busyboxRootfs(t), Args: []string{"true"},
		Ulimits: []Ulimit{{Name: "nofile", Soft: own.Max + 1, Hard: own.Max + 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if r := s.Process.Rlimits[0]; r.Type != "RLIMIT_NOFILE" || r.Hard != own.Max+1 {
		t.Fatalf("rlimit %+v: not what was asked", r)
	}
	bundle := t.TempDir()
	if err := WriteBundle(bundle, s); err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("spec-ulimit-%d", os.Getpid())
	state := t.TempDir()
	out, err := exec.Command(runc, "--root", state, "run", "--bundle", bundle, id).CombinedOutput()
	t.Cleanup(func() { exec.Command(runc, "--root", state, "delete", "--force", id).Run() })
	if err == nil {
		t.Fatal("the runtime raised a hard limit above pod's own")
	}
	if !strings.Contains(string(out), "rlimit") && !strings.Contains(string(out), "operation not permitted") {
		t.Errorf("unclear message: %s", out)
	}
	t.Logf("runtime says: %s", out)
}
