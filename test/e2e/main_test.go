// Package e2e drives the built pod binary as a user would: as root and as
// an unprivileged user, against a real registry on loopback and images the
// suite builds itself from the static busybox. No test touches the internet.
package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// suite is what TestMain prepares once for every test.
var suite struct {
	pod       string // path of the pod binary under test
	registry  *Registry
	images    *TestImages
	regConf   string // registries.conf naming the loopback registry
	rootless  string // unprivileged user for rootless runs, "" if none
	rootful   bool   // whether root runs are possible
	tmpRoot   string // where per-test directories go (readable by the rootless user)
	policyDir string
	// noConf is an empty containers.conf every Env names in CONTAINERS_CONF
	// unless a test sets its own: the host's files (a distribution's
	// default_capabilities, say) must not change what tests see.
	noConf string
	// slow, from POD_E2E_SLOW (a duration), logs every pod command that
	// takes longer: where to look when the suite grows slow.
	slow time.Duration
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	pod := os.Getenv("POD_BINARY")
	if pod == "" {
		fmt.Fprintln(os.Stderr, "e2e: set POD_BINARY to the pod binary (make e2e does)")
		return 1
	}
	suite.pod = pod
	if v := os.Getenv("POD_E2E_SLOW"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			fmt.Fprintf(os.Stderr, "e2e: POD_E2E_SLOW=%q: %v\n", v, err)
			return 1
		}
		suite.slow = d
	}
	suite.rootful = os.Geteuid() == 0
	// POD_TEST_USER=- runs no rootless half (the VM runs it in the user's
	// own session instead).
	if u := os.Getenv("POD_TEST_USER"); u != "-" && (u != "" || suite.rootful) {
		if u == "" {
			u = "podtest"
		}
		if os.Geteuid() == 0 {
			if err := exec.Command("id", u).Run(); err == nil {
				suite.rootless = u
			} else {
				fmt.Fprintf(os.Stderr, "e2e: rootless user %q does not exist (make deps creates it); rootless tests skip\n", u)
			}
		}
	}
	if os.Geteuid() != 0 {
		suite.rootless = "self"
	}
	dir, err := os.MkdirTemp("", "pod-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	suite.tmpRoot = dir
	suite.noConf = filepath.Join(dir, "containers.conf")
	if err := os.WriteFile(suite.noConf, nil, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	// The rootless user may not reach the checkout (e.g. under /root), so
	// the suite runs its own copy of the binary.
	if suite.pod, err = copyExecutable(pod, filepath.Join(dir, "pod")); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	// pod finds its per-container monitor next to itself.
	if _, err := copyExecutable(filepath.Join(filepath.Dir(pod), "pod-conmon"), filepath.Join(dir, "pod-conmon")); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: pod-conmon (make build builds it next to pod):", err)
		return 1
	}

	reg, err := StartRegistry(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: start registry:", err)
		return 1
	}
	defer reg.Stop()
	suite.registry = reg
	suite.regConf, err = writeRegistriesConf(dir, reg.Addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	suite.images, err = BuildTestImages(dir, reg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: build test images:", err)
		return 1
	}
	return m.Run()
}

func copyExecutable(src, dst string) (string, error) {
	b, err := os.ReadFile(src)
	if err != nil {
		return "", err
	}
	return dst, os.WriteFile(dst, b, 0o755)
}
