package e2e

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// What a pod killed with SIGKILL at any moment leaves behind must not lock
// the user out: the next command removes it or tells what to do.

// leakPort is a host port of this file's tests (34200-34299 are theirs).
func leakPort(e *Env) string {
	if e.Rootless() {
		return "34202"
	}
	return "34201"
}

// startKilled starts pod with args and kills it with SIGKILL after delay,
// or as soon as until reports true (polled every millisecond), whichever
// comes first; it reports whether until fired.
func startKilled(t *testing.T, e *Env, delay time.Duration, until func() bool, args ...string) bool {
	t.Helper()
	cmd := e.Command(t.Context(), args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	fired := false
	deadline := time.Now().Add(delay)
	for time.Now().Before(deadline) {
		if until != nil && until() {
			fired = true
			break
		}
		select {
		case <-done:
			return fired
		case <-time.After(time.Millisecond):
		}
	}
	_ = cmd.Process.Kill()
	<-done
	return fired
}

// slirpProcesses lists the slirp4netns and port helper processes whose
// command line mentions dir.
func slirpProcesses(dir string) []string {
	var found []string
	entries, _ := os.ReadDir("/proc")
	for _, p := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", p.Name(), "cmdline"))
		if err != nil || !bytes.Contains(b, []byte(dir)) {
			continue
		}
		argv := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		if strings.Contains(filepath.Base(argv[0]), "slirp") {
			found = append(found, p.Name()+": "+strings.Join(argv, " "))
		}
	}
	return found
}

// TestKilledRunLeavesNoNetworkHelper kills `run -p` at a series of
// moments: the slirp4netns helper it may have started must not keep the
// host port once the container is removed.
func TestKilledRunLeavesNoNetworkHelper(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		port := leakPort(e)
		t.Cleanup(func() {
			// Whatever a failure left running must not outlive the test.
			for _, p := range slirpProcesses(e.RunRoot) {
				pid, _, _ := strings.Cut(p, ":")
				_ = syscall.Kill(atoi(pid), syscall.SIGKILL)
			}
		})
		run := func(name string) []string {
			return []string{"run", "-d", "--name", name, "--network", "slirp4netns", "-p", port + ":80", img, "sleep", "1000"}
		}
		// The kills are spread over the time a whole run takes here.
		begin := time.Now()
		e.MustPod(run("ok")...)
		whole := time.Since(begin)
		e.MustPod("rm", "-f", "-t", "0", "ok")
		step := max(whole/16, 2*time.Millisecond)
		t.Logf("run -p takes %v; killing it every %v", whole, step)
		stop := time.Now().Add(15 * time.Second)
		for i, delay := 0, step; delay < whole && time.Now().Before(stop); i, delay = i+1, delay+step {
			startKilled(t, e, delay, nil, run("k")...)
			state := strings.TrimSpace(e.Pod("inspect", "--format", "{{.State.Status}}", "k").Stdout)
			switch {
			case i%3 == 2 && state == "created":
				// Starting it again sets its network up anew, the port
				// included; a kill inside create (before its storage
				// existed) leaves a container start says to remove.
				if r := e.Pod("start", "k"); r.Code != 0 && !strings.Contains(r.Stderr, "its creation was interrupted") {
					t.Fatalf("start after killing run -p at %v: exit %d: %s", delay, r.Code, r.Stderr)
				}
				e.MustPod("rm", "-f", "-t", "0", "k")
				e.MustPod(run("ok")...)
			case i%3 == 0 || state == "running":
				// The next command on the container removes it all.
				r := e.Pod("rm", "-f", "-t", "0", "k")
				if r.Code != 0 && !strings.Contains(r.Stderr, "no container with name or ID") {
					t.Fatalf("rm -f after killing run at %v: exit %d: %s", delay, r.Code, r.Stderr)
				}
				if left := slirpProcesses(e.RunRoot); len(left) > 0 {
					t.Fatalf("after killing run at %v and rm -f, network helpers still run:\n%s", delay, strings.Join(left, "\n"))
				}
				// The port is free again.
				e.MustPod(run("ok")...)
			default:
				// Another container asking for the port of the one whose
				// start was killed (it does not run) gets it.
				if r := e.Pod(run("ok")...); r.Code != 0 {
					t.Fatalf("run -p %s after killing another run -p at %v (left %q): exit %d: %s", port, delay, state, r.Code, r.Stderr)
				}
				e.Pod("rm", "-f", "-t", "0", "k")
			}
			e.MustPod("rm", "-f", "-t", "0", "ok")
		}
		if left := slirpProcesses(e.RunRoot); len(left) > 0 {
			t.Fatalf("network helpers still run:\n%s", strings.Join(left, "\n"))
		}
	})
}

// tempFiles lists the files and directories under the store's tmp dir,
// and in the directory save writes to, whose names end in .tar or start
// with prefix.
func tempFiles(e *Env, prefix string) []string {
	var found []string
	for _, dir := range []string{filepath.Join(e.Root, "tmp"), e.Path("out")} {
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if strings.HasSuffix(d.Name(), ".tar") || strings.HasPrefix(d.Name(), prefix) {
				found = append(found, p)
			}
			return nil
		})
	}
	return found
}

// TestKilledCopyLeavesNoTempFiles kills commit, import, load, build and
// save while their temporary files exist: the next command that opens storage
// removes them.
func TestKilledCopyLeavesNoTempFiles(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		// 30 MB that do not compress.
		e.MustPod("run", "--name", "big", "--network", "none", img, "sh", "-c", "head -c 31457280 /dev/urandom > /big")
		e.MustPod("commit", "-q", "big", "localhost/big")
		archive := filepath.Join(e.Dir, "big.tar")
		e.MustPod("save", "-o", archive, "localhost/big")
		rootfs := filepath.Join(e.Dir, "rootfs.tar")
		e.MustPod("export", "-o", rootfs, "big")
		ctxDir := e.Mkdir("ctx")
		e.WriteFile("ctx/Dockerfile", []byte("FROM "+img+"\nCOPY big /big\n"))
		if err := exec.Command("cp", archive, filepath.Join(ctxDir, "big")).Run(); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name   string
			prefix string // a temporary directory's name
			args   []string
			stdin  string
		}{
			{"commit", "commit-", []string{"commit", "-q", "big", "localhost/big2"}, ""},
			{"import", "import-", []string{"import", "-q", rootfs, "localhost/imported"}, ""},
			{"load", "load-", []string{"load", "-q"}, archive},
			{"build", "build-context-", []string{"build", "-q", "-t", "localhost/built", "-"}, ""},
			{"save", ".pod-save-", []string{"save", "-o", filepath.Join(e.Mkdir("out"), "saved.archive"), "localhost/big"}, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := map[string]bool{}
				for _, f := range tempFiles(e, tc.prefix) {
					before[f] = true
				}
				args := tc.args
				cmd := e.Command(t.Context(), args...)
				var err error
				switch {
				case tc.stdin != "":
					f, ferr := os.Open(tc.stdin)
					if ferr != nil {
						t.Fatal(ferr)
					}
					defer f.Close()
					cmd.Stdin = f
				case tc.name == "build":
					// The context as a tar on stdin is unpacked under tmp.
					tarCmd := exec.Command("tar", "-C", ctxDir, "-cf", "-", ".")
					if cmd.Stdin, err = tarCmd.StdoutPipe(); err != nil {
						t.Fatal(err)
					}
					if err := tarCmd.Start(); err != nil {
						t.Fatal(err)
					}
					// Blocked on a pipe nobody reads once pod is killed.
					defer func() { _ = tarCmd.Process.Kill(); _ = tarCmd.Wait() }()
				}
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				done := make(chan struct{})
				go func() { _ = cmd.Wait(); close(done) }()
				deadline := time.Now().Add(30 * time.Second)
				for len(tempFiles(e, tc.prefix)) == len(before) {
					select {
					case <-done:
						t.Fatalf("%s ended before its temporary file was seen", tc.name)
					case <-time.After(time.Millisecond):
					}
					if time.Now().After(deadline) {
						t.Fatalf("no temporary file of %s seen", tc.name)
					}
				}
				_ = cmd.Process.Kill()
				<-done
				if len(tempFiles(e, tc.prefix)) == len(before) {
					t.Fatalf("the killed %s left no temporary file: the test proves nothing", tc.name)
				}
				e.MustPod("images", "-q")
				var left []string
				for _, f := range tempFiles(e, tc.prefix) {
					if !before[f] {
						left = append(left, f)
					}
				}
				if len(left) > 0 {
					t.Fatalf("after a killed %s and the next command, temporary files are left: %v", tc.name, left)
				}
			})
		}
		e.MustPod("rm", "big")
	})
}

// TestKilledCreateIsExplained: a container whose creation was killed after
// its row was recorded has no root filesystem; start says so and what to
// do, and rm (with or without -f) removes it.
func TestKilledCreateIsExplained(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		// Killed between the row and the storage container (the
		// fault-injection point create-row, pkg/engine/faults.go).
		podKilledAt(t, e, "create-row", "create", "--name", "half", "--network", "none", img, "true")
		if got := stateOf(t, e, "half"); got != "created" {
			t.Fatalf("a killed create shows %q, want created", got)
		}
		r := e.Pod("start", "half")
		r.Fails(t, 125, "its creation was interrupted")
		if !strings.Contains(r.Stderr, "pod rm half") {
			t.Fatalf("start of an interrupted create does not say what to do: %q", r.Stderr)
		}
		e.MustPod("rm", "half")
		podKilledAt(t, e, "create-row", "create", "--name", "half2", "--network", "none", img, "true")
		e.MustPod("rm", "-f", "half2")
		if got := e.MustPod("ps", "-a", "-q").Stdout; got != "" {
			t.Fatalf("containers left: %q", got)
		}
		// The name is free again.
		e.MustPod("create", "--name", "half", "--network", "none", img, "true")
		e.MustPod("rm", "half")
	})
}

// TestEtcInjectionRefused: values written into the container's /etc files
// cannot carry lines of their own.
func TestEtcInjectionRefused(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		for _, tc := range []struct{ flag, value string }{
			{"--hostname", "a\nb"},
			{"--dns-search", "x\nnameserver 6.6.6.6"},
			{"--dns-option", "ndots:1\nnameserver 6.6.6.6"},
			{"--add-host", "a\n6.6.6.6 evil:10.234.0.1"},
		} {
			for _, verb := range []string{"create", "run"} {
				r := e.Pod(verb, "--network", "none", tc.flag, tc.value, img, "true")
				r.Fails(t, 125, "invalid "+tc.flag)
				if lines := strings.Split(strings.TrimRight(r.Stderr, "\n"), "\n"); len(lines) != 1 {
					t.Fatalf("%s %s %q: want one line, got %q", verb, tc.flag, tc.value, r.Stderr)
				}
			}
		}
		if got := e.MustPod("ps", "-a", "-q").Stdout; got != "" {
			t.Fatalf("containers created: %q", got)
		}
		// Well-formed values still work.
		r := e.MustPod("run", "--rm", "--network", "none", "--hostname", "web-1.example.com", "--dns-search", "example.com", "--add-host", "db_1:10.234.0.1", img, "sh", "-c", "hostname; grep search /etc/resolv.conf; grep db_1 /etc/hosts")
		if want := "web-1.example.com\nsearch example.com\n10.234.0.1\tdb_1\n"; r.Stdout != want {
			t.Fatalf("output %q, want %q", r.Stdout, want)
		}
	})
}
