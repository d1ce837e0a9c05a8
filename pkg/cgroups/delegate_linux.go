package cgroups

import (
	"os"
	"path"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// DelegatedRoot returns the top of the cgroup v2 subtree this process may
// manage, as a path in the unified hierarchy ("/user.slice/user-1000.slice/
// user@1000.service" for a plain user under systemd), and whether there is
// one. It walks up from the process's own cgroup while the directory is
// writable: systemd hands each user's manager its subtree with Delegate=,
// and nothing above it. A plain user in a login session scope (ssh, su)
// or without systemd has none.
func DelegatedRoot() (string, bool) {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return "", false
	}
	own, ok := ParseProcCgroup(data)[""]
	if !ok || own == "" {
		return "", false
	}
	return delegatedRoot(Root, own, func(dir string) bool {
		return unix.Access(dir, unix.W_OK) == nil && unix.Access(filepath.Join(dir, "cgroup.procs"), unix.W_OK) == nil
	})
}

func delegatedRoot(root, own string, writable func(string) bool) (string, bool) {
	best := ""
	for p := path.Clean(own); p != "/" && p != "."; p = path.Dir(p) {
		if !writable(filepath.Join(root, p)) {
			break
		}
		best = p
	}
	return best, best != ""
}

// Controllers lists the controllers available in the cgroup at path (a
// path in the unified hierarchy): those its parent delegates to it.
func Controllers(p string) map[string]bool {
	b, err := os.ReadFile(filepath.Join(Root, p, "cgroup.controllers"))
	if err != nil {
		return nil
	}
	m := map[string]bool{}
	for _, c := range strings.Fields(string(b)) {
		m[c] = true
	}
	return m
}
