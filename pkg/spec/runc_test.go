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
	for _, a := range []string{"sh", "cat", "grep", "hostname", "head", "wc", "id", "echo", "ls"} {
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

// TestRuncDefaultPosture runs a generated spec with the real runc and
// checks the posture from inside the container.
func TestRuncDefaultPosture(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	runc, err := exec.LookPath("runc")
	if err != nil {
		t.Skip("runc not installed")
	}
	rootfs := busyboxRootfs(t)
	bundle := t.TempDir()
	etc := filepath.Join(bundle, "hosts")
	if err := os.WriteFile(etc, HostsFile("spectest", []HostEntry{{IP: "10.1.2.3", Names: []string{"db"}}}), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Generate(Options{
		Rootfs:   rootfs,
		Hostname: "spectest",
		EtcFiles: map[string]string{"/etc/hosts": etc},
		Args: []string{"sh", "-c", `grep -E '^(CapEff|Seccomp|NoNewPrivs):' /proc/self/status
echo host=$(hostname)
echo kcore=$(head -c 16 /proc/kcore | wc -c)
grep db /etc/hosts
echo env=$HOSTNAME:$HOME`},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteBundle(bundle, s); err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("spec-test-%d", os.Getpid())
	state := t.TempDir()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(runc, "--root", state, "run", "--bundle", bundle, id)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	t.Cleanup(func() { exec.Command(runc, "--root", state, "delete", "--force", id).Run() })
	if err != nil {
		t.Fatalf("runc run: %v: %s", err, stderr.String())
	}
	out := stdout.String()
	t.Logf("container output:\n%s", out)
	for _, want := range []string{
		"CapEff:\t" + capMask(t, DefaultCapabilities()),
		"Seccomp:\t2",
		"NoNewPrivs:\t0",
		"host=spectest",
		"kcore=0",
		"10.1.2.3\tdb",
		"env=spectest:/",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
