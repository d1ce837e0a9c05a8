package e2e

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The security tests' target: a host directory holding a canary file that
// belongs to whoever runs pod (root, or the rootless user: the user's own
// files are what a rootless escape reaches). pod must never write, chmod
// or replace it, create files next to it, or carry its bytes anywhere.

// hostCanary is that host directory and file.
type hostCanary struct {
	Dir, File string
	secret    string
	uid       int
}

var canaryTime = time.Unix(1600000000, 0)

func newHostCanary(t *testing.T, e *Env) *hostCanary {
	t.Helper()
	c := &hostCanary{Dir: e.Path("host-secrets"), secret: fmt.Sprintf("HOST-SECRET-%s-%d", e.Name, time.Now().UnixNano())}
	c.File = filepath.Join(c.Dir, "canary")
	if err := os.Mkdir(c.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.File, []byte(c.secret), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(c.File, canaryTime, canaryTime); err != nil {
		t.Fatal(err)
	}
	if e.rootless && os.Geteuid() == 0 {
		c.uid = e.uid
		for _, p := range []string{c.Dir, c.File} {
			if err := os.Chown(p, e.uid, e.gid); err != nil {
				t.Fatal(err)
			}
		}
	}
	return c
}

// check fails t if anything about the canary changed.
func (c *hostCanary) check(t *testing.T) {
	t.Helper()
	if how := c.changed(); how != "" {
		t.Error(how)
	}
}

// changed says how the canary or its directory changed, or "".
func (c *hostCanary) changed() string {
	var how []string
	if fi, err := os.Lstat(c.Dir); err != nil || fi.Mode() != fs.ModeDir|0o700 {
		how = append(how, fmt.Sprintf("host directory %s: %v (%v), want drwx------", c.Dir, fi, err))
	}
	ents, _ := os.ReadDir(c.Dir)
	if len(ents) != 1 || ents[0].Name() != "canary" {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		how = append(how, fmt.Sprintf("host directory %s holds %v, want only the canary", c.Dir, names))
	}
	fi, err := os.Lstat(c.File)
	if err != nil {
		return strings.Join(append(how, fmt.Sprintf("host canary: %v", err)), "; ")
	}
	st := fi.Sys().(*syscall.Stat_t)
	if fi.Mode() != 0o600 || !fi.ModTime().Equal(canaryTime) || int(st.Uid) != c.uid {
		how = append(how, fmt.Sprintf("host canary changed: mode %v, mtime %v, owner %d (want -rw-------, %v, %d)", fi.Mode(), fi.ModTime(), st.Uid, canaryTime, c.uid))
	}
	if b, _ := os.ReadFile(c.File); string(b) != c.secret {
		how = append(how, fmt.Sprintf("host canary rewritten: %q", b))
	}
	return strings.Join(how, "; ")
}

// leaks reports whether data carries the canary's bytes.
func (c *hostCanary) leaks(data string) bool { return strings.Contains(data, c.secret) }
