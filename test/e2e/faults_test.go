package e2e

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Faults that must not lock a user out of their containers: a full disk, a
// corrupt state DB, a DB lock another process holds (docs/faults.md).

// smallFS mounts a tmpfs of size under the Env's directory, owned by its
// user, and moves the Env's graph root and run root onto it. The Env's
// cleanup unmounts it (unmountUnder).
func smallFS(t *testing.T, e *Env, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a tmpfs")
	}
	dir := e.Path("small")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size="+size+",mode=0755"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Unmount(dir, unix.MNT_DETACH) })
	if e.Rootless() {
		if err := os.Chown(dir, e.uid, e.gid); err != nil {
			t.Fatal(err)
		}
	}
	e.Root, e.RunRoot = filepath.Join(dir, "root"), filepath.Join(dir, "runroot")
	return dir
}

// fill writes zeros into dir/fill until the filesystem is full, and checks
// that nothing is left.
func fill(t *testing.T, dir string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, "fill"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.Copy(f, zeroReader{}); !errors.Is(err, unix.ENOSPC) {
		t.Fatalf("fill %s: %v", dir, err)
	}
	var fs unix.Statfs_t
	if err := unix.Statfs(dir, &fs); err != nil || fs.Bavail != 0 {
		t.Fatalf("%s not full: %d blocks free (%v)", dir, fs.Bavail, err)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestFaultDiskFull fills the filesystem holding the graph and run roots
// with a container's own output, then checks that the container's exit
// code survives, its log says it was cut, the reading commands work on the
// full disk, so do rm -f, system prune and system reset, and a command that
// needs space names the full filesystem.
func TestFaultDiskFull(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		small := smallFS(t, e, "64m")
		img := pulled(t, e) // before the disk fills
		e.MustPod("run", "-d", "--name", "sleeper", "--network", "none", img, "sleep", "1000")
		// ~900-byte lines: the log (k8s-file) outgrows 64 MiB well
		// before the 100 MB of output end.
		e.MustPod("run", "-d", "--name", "filler", "--network", "none", img,
			"sh", "-c", "yes $(seq -s, 1 250) | head -c 100000000; exit 7")
		waitFor(t, func() bool {
			return out(e.MustPod("inspect", "-f", "{{.State.Status}}", "filler")) == "exited"
		})
		// Its monitor's cleanup command records the exit; let it finish,
		// then take whatever space is left.
		waitNoProcessUsing(e.Root, time.Minute)
		fill(t, small)

		if got := out(e.MustPod("inspect", "-f", "{{.State.ExitCode}}", "filler")); got != "7" {
			t.Errorf("exit code on the full disk: %q, want 7", got)
		}
		if ps := out(e.MustPod("ps", "-a", "--filter", "name=filler", "--format", "{{.Names}} {{.Status}}")); !strings.HasPrefix(ps, "filler Exited (7)") {
			t.Errorf("ps -a on the full disk: %q", ps)
		}
		logs := e.MustPod("logs", "--tail", "2", "filler")
		if !strings.Contains(logs.Stdout+logs.Stderr, "log truncated: ") || !strings.Contains(logs.Stdout+logs.Stderr, "no space left on device") {
			t.Errorf("the log does not say it was truncated: %q", logs.Stdout+logs.Stderr)
		}
		// A command that needs space (a 2 MB layer) says where it is missing.
		e.Pod("import", suite.images.RootfsTar, "nospace").Fails(t, 125, "mounted at "+small)

		// A running container, then the one whose log filled the disk.
		e.MustPod("rm", "-f", "-t", "0", "sleeper")
		e.MustPod("rm", "-f", "filler")
		if got := e.MustPod("ps", "-a", "-q").Stdout; got != "" {
			t.Fatalf("containers after rm -f: %q", got)
		}

		// system prune on a full disk.
		os.Remove(filepath.Join(small, "fill"))
		if r := e.Pod("run", "--name", "done", "--network", "none", img, "sh", "-c", "exit 3"); r.Code != 3 {
			t.Fatalf("run: exit %d: %s", r.Code, r.Stderr)
		}
		waitNoProcessUsing(e.Root, time.Minute)
		fill(t, small)
		e.MustPod("system", "prune", "-f")
		if got := e.MustPod("ps", "-a", "-q").Stdout; got != "" {
			t.Fatalf("containers after system prune on the full disk: %q", got)
		}

		// system reset on a full disk.
		e.MustPod("create", "--name", "kept", "--network", "none", img, "true")
		fill(t, small)
		e.MustPod("system", "reset", "-f")
		os.Remove(filepath.Join(small, "fill"))
		if got := e.MustPod("ps", "-a", "-q").Stdout + e.MustPod("images", "-q").Stdout; got != "" {
			t.Fatalf("left after system reset on the full disk: %q", got)
		}
	})
}

// spoilDB overwrites the state DB's header with garbage.
func spoilDB(t *testing.T, e *Env) string {
	t.Helper()
	path := filepath.Join(e.Root, "pod", "state.db")
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt([]byte(strings.Repeat("garbage!", 32)), 0); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestFaultCorruptDB overwrites the state DB's header while a container
// runs: the next command sets the DB aside, saying where, and rebuilds the
// containers from storage and the run root, so that the running one can
// still be stopped and removed. system reset works on a garbage DB, and an
// emptied DB file is not taken for a new installation.
func TestFaultCorruptDB(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("run", "-d", "--name", "up", "--network", "none", img, "sleep", "1000")
		e.MustPod("create", "--name", "made", "--network", "none", img, "true")
		if r := e.Pod("run", "--name", "done", "--network", "none", img, "sh", "-c", "exit 3"); r.Code != 3 {
			t.Fatalf("run done: exit %d: %s", r.Code, r.Stderr)
		}
		waitNoProcessUsing(e.Root, time.Minute)
		db := spoilDB(t, e)

		r := e.MustPod("ps", "-a", "--format", "{{.Names}} {{.State}} {{.Status}}")
		want := map[string]string{"up": "running", "made": "created", "done": "exited Exited (3)"}
		got := map[string]string{}
		for _, l := range r.Lines() {
			name, rest, _ := strings.Cut(l, " ")
			got[name] = rest
		}
		for name, w := range want {
			if !strings.HasPrefix(got[name], w) {
				t.Errorf("after the rebuild %s is %q, want %q (ps -a: %q)", name, got[name], w, r.Stdout)
			}
		}
		aside, _ := filepath.Glob(db + ".corrupt-*")
		if len(aside) != 1 {
			t.Fatalf("corrupt DB kept as %q, want one %s.corrupt-TIMESTAMP", aside, db)
		}
		if warn := strings.TrimSpace(r.Stderr); !strings.Contains(warn, "kept it as "+aside[0]) || strings.Count(warn, "\n") != 0 {
			t.Errorf("warning %q, want one line naming %s", warn, aside[0])
		}
		if b, _ := os.ReadFile(aside[0]); !strings.HasPrefix(string(b), "garbage!") {
			t.Errorf("the corrupt DB was not kept as it was")
		}
		if again := e.MustPod("ps", "-a"); again.Stderr != "" {
			t.Errorf("a warning after the rebuild: %q", again.Stderr)
		}

		e.MustPod("stop", "-t", "0", "up")
		if st := out(e.MustPod("inspect", "-f", "{{.State.Status}}", "up")); st != "exited" {
			t.Fatalf("up after stop: %s", st)
		}
		e.MustPod("rm", "up", "made", "done")
		if got := e.MustPod("ps", "-a", "-q").Stdout; got != "" {
			t.Fatalf("containers after rm: %q", got)
		}

		// An emptied DB while storage holds a container is damage too.
		e.MustPod("create", "--name", "again", "--network", "none", img, "true")
		if err := os.Truncate(db, 0); err != nil {
			t.Fatal(err)
		}
		r = e.MustPod("ps", "-a", "--format", "{{.Names}}")
		if out(r) != "again" {
			t.Errorf("ps -a after the DB was emptied: %q", r.Stdout)
		}
		if !strings.Contains(r.Stderr, "was empty") {
			t.Errorf("no warning that the DB was empty: %q", r.Stderr)
		}

		// system reset works on a garbage DB.
		e.MustPod("run", "-d", "--name", "up2", "--network", "none", img, "sleep", "1000")
		spoilDB(t, e)
		e.MustPod("system", "reset", "-f")
		if got := e.MustPod("ps", "-a", "-q").Stdout; got != "" {
			t.Fatalf("containers after reset: %q", got)
		}
	})
}

// TestFaultLockWait holds the state DB's open lock from the test and checks
// that a pod command says, once, that it waits and on what, then finishes
// when the lock is released.
func TestFaultLockWait(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		e.MustPod("ps") // makes the DB and its lock file
		lockPath := filepath.Join(e.Root, "pod", "state.db.lock")
		// The kernel's flock is the same for every user: the test holds it
		// itself, as any other process of the user's could.
		f, err := os.OpenFile(lockPath, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := e.Command(ctx, "ps", "-a")
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 16)
		go func() {
			s := bufio.NewScanner(stderr)
			for s.Scan() {
				lines <- s.Text()
			}
			close(lines)
		}()
		var notice string
		select {
		case notice = <-lines:
		case <-time.After(15 * time.Second):
			t.Fatal("no notice while the DB lock is held")
		}
		if !strings.Contains(notice, "waiting for the state DB lock "+lockPath) || !strings.Contains(notice, "process "+itoa(os.Getpid())) {
			t.Errorf("notice %q, want the lock file %s and its holder %d", notice, lockPath, os.Getpid())
		}
		unix.Flock(int(f.Fd()), unix.LOCK_UN)
		var more []string
		for l := range lines {
			more = append(more, l)
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("ps after the lock was released: %v (stderr %q)", err, more)
		}
		if len(more) != 0 {
			t.Errorf("more than one notice: %q", more)
		}
	})
}
