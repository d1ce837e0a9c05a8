package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

// execIDs reads inspect's ExecIDs.
func execIDs(t *testing.T, e *Env, name string) []string {
	t.Helper()
	var ids []string
	out := e.MustPod("inspect", "-f", "{{json .ExecIDs}}", name).Stdout
	if err := json.Unmarshal([]byte(out), &ids); err != nil {
		t.Fatalf("ExecIDs %q: %v", out, err)
	}
	return ids
}

// TestExec runs processes in a running container: output, exit codes,
// environment, user, working directory, stdin, privileges, and the errors
// of commands that cannot run and containers that do not run.
func TestExec(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		runID(t, e, "run", "-d", "--name", "box", "-e", "FROM_RUN=1", "-w", "/etc", img, "sleep", "1000")

		r := e.MustPod("exec", "box", "sh", "-c", "echo out; echo err >&2; pwd; echo $FROM_RUN")
		if r.Stdout != "out\n/etc\n1\n" || r.Stderr != "err\n" {
			t.Errorf("exec: stdout %q stderr %q", r.Stdout, r.Stderr)
		}
		if r := e.Pod("exec", "box", "sh", "-c", "exit 42"); r.Code != 42 {
			t.Errorf("exit 42: code %d stderr %q", r.Code, r.Stderr)
		}

		envFile := e.WriteFile("exec.env", []byte("# comment\nFROM_FILE=file\nBOTH=file\n"))
		r = e.MustPod("exec", "-e", "A=b c", "-e", "BOTH=flag", "--env-file", envFile, "-u", "65534:65534", "-w", "/tmp",
			"box", "sh", "-c", `echo "$A|$FROM_FILE|$BOTH|$FROM_RUN"; id -u; id -g; pwd`)
		if r.Stdout != "b c|file|flag|1\n65534\n65534\n/tmp\n" {
			t.Errorf("exec -e/--env-file/-u/-w: %q", r.Stdout)
		}

		r = e.PodStdin(strings.NewReader("line one\nline two\n"), "exec", "-i", "box", "sh", "-c", "wc -l; exit 5")
		if r.Code != 5 || strings.TrimSpace(r.Stdout) != "2" {
			t.Errorf("exec -i: code %d stdout %q stderr %q", r.Code, r.Stdout, r.Stderr)
		}
		// Without -i the process's stdin is empty.
		r = e.PodStdin(strings.NewReader("ignored\n"), "exec", "box", "wc", "-c")
		if strings.TrimSpace(r.Stdout) != "0" {
			t.Errorf("exec without -i read stdin: %q", r.Stdout)
		}

		capEff := func(args ...string) string {
			out := e.MustPod(append(append([]string{"exec"}, args...), "box", "grep", "CapEff", "/proc/self/status")...).Stdout
			return strings.TrimSpace(strings.TrimPrefix(out, "CapEff:"))
		}
		if plain, priv := capEff(), capEff("--privileged"); plain == priv {
			t.Errorf("--privileged did not add capabilities: %s", priv)
		}

		e.Pod("exec", "box", "no-such-command").Fails(t, 127, "not found")
		e.Pod("exec", "box", "/etc/passwd").FailsRuntime(t, 126)
		e.Pod("exec", "nosuch", "true").Fails(t, 125, "no such container")
		if ids := execIDs(t, e, "box"); len(ids) != 0 {
			t.Errorf("ended sessions still listed: %v", ids)
		}

		e.MustPod("stop", "-t", "0", "box")
		e.Pod("exec", "box", "true").Fails(t, 125, "can only create exec sessions on running containers: container state improper")
		runID(t, e, "create", "--name", "fresh", img, "true")
		e.Pod("exec", "fresh", "true").Fails(t, 125, "container state improper")
	})
}

// TestExecDetached starts a process with -d: pod returns its session ID
// at once, inspect lists it while it runs and forgets it when it ends.
func TestExecDetached(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		runID(t, e, "run", "-d", "-i", "--name", "box", img, "sh", "-c", "read x; echo got $x")
		// The detached process waits for a file the next exec creates.
		id := strings.TrimSpace(e.MustPod("exec", "-d", "box", "sh", "-c", "echo $$ > /tmp/pid; while [ ! -e /tmp/go ]; do sleep 0.1; done; echo ignored").Stdout)
		if !containerIDRe.MatchString(id) {
			t.Fatalf("exec -d printed %q, want a session ID", id)
		}
		if ids := execIDs(t, e, "box"); len(ids) != 1 || ids[0] != id {
			t.Fatalf("ExecIDs %v, want [%s]", ids, id)
		}
		waitFor(t, func() bool { return e.Pod("exec", "box", "test", "-s", "/tmp/pid").Code == 0 })
		e.MustPod("exec", "box", "touch", "/tmp/go")
		// Its end is recorded by its monitor's exit command: wait for the
		// process to be gone, then for the session.
		e.MustPod("exec", "box", "sh", "-c", "while kill -0 $(cat /tmp/pid) 2>/dev/null; do sleep 0.1; done")
		waitFor(t, func() bool { return len(execIDs(t, e, "box")) == 0 })
		r := e.PodStdin(strings.NewReader("fine\n"), "attach", "box")
		if r.Stdout != "got fine\n" {
			t.Errorf("the container after exec -d: %q %q", r.Stdout, r.Stderr)
		}
	})
}

// TestExecTerminal runs exec -it on a real terminal: the process has a
// terminal of pod's size, exits with its code, and the detach keys leave
// it running.
func TestExecTerminal(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		runID(t, e, "run", "-d", "--name", "box", img, "sleep", "1000")
		s := startPty(t, e, "exec", "-it", "box", "sh")
		at := s.Expect(0, "# ")
		s.Type("stty size; echo $TERM; exit 9\r")
		at = s.Expect(at, "24 80\r\n")
		s.Expect(at, "xterm\r\n")
		if code := s.Wait(); code != 9 {
			t.Fatalf("exec -it: exit code %d, want 9:\n%q", code, s.Output())
		}

		// The process's terminal has pod's size from its first instant.
		s = startPty(t, e, "exec", "-it", "box", "stty", "size")
		s.Expect(0, "24 80\r\n")
		if code := s.Wait(); code != 0 {
			t.Fatalf("exec -it stty size: exit code %d", code)
		}

		s = startPty(t, e, "exec", "-it", "box", "sh")
		s.Expect(0, "# ")
		s.Type("\x10\x11")
		if code := s.Wait(); code != 0 {
			t.Fatalf("detach from exec: exit code %d", code)
		}
		if ids := execIDs(t, e, "box"); len(ids) != 1 {
			t.Fatalf("after detaching, ExecIDs %v, want the session", ids)
		}
	})
}
