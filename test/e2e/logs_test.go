package e2e

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// TestLogs checks logs of both file drivers: -f following a container
// that prints then exits, stdout and stderr kept apart, --tail, -t,
// --since/--until and a last line without a newline.
func TestLogs(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		drivers := []string{"k8s-file", "json-file"}
		if e.Rootless() {
			// Reading a json-file log does not depend on the user: the
			// root run covers it (and TestLogDrivers writes one rootless).
			drivers = drivers[:1]
		}
		for _, driver := range drivers {
			t.Run(driver, func(t *testing.T) {
				name := "talk-" + driver
				// The sleep makes -f start while the container still runs.
				runID(t, e, "run", "-d", "--name", name, "--log-driver", driver, img,
					"sh", "-c", "echo one; echo two >&2; sleep 2; echo three; printf no-newline")
				r := e.MustPod("logs", "-f", name)
				if r.Stdout != "one\nthree\nno-newline" || r.Stderr != "two\n" {
					t.Fatalf("logs -f: stdout %q stderr %q", r.Stdout, r.Stderr)
				}
				if got := e.MustPod("inspect", "-f", "{{.State.Status}} {{.HostConfig.LogConfig.Type}}", name).Stdout; strings.TrimSpace(got) != "exited "+driver {
					t.Errorf("after logs -f: %q", got)
				}
				// Again, without -f, the same.
				r = e.MustPod("logs", name)
				if r.Stdout != "one\nthree\nno-newline" || r.Stderr != "two\n" {
					t.Errorf("logs: stdout %q stderr %q", r.Stdout, r.Stderr)
				}
				r = e.MustPod("logs", "--tail", "2", name)
				if r.Stdout != "three\nno-newline" || r.Stderr != "" {
					t.Errorf("logs --tail 2: stdout %q stderr %q", r.Stdout, r.Stderr)
				}
				r = e.MustPod("logs", "--tail", "0", name)
				if r.Stdout != "" || r.Stderr != "" {
					t.Errorf("logs --tail 0: stdout %q stderr %q", r.Stdout, r.Stderr)
				}
				// -t: an RFC 3339 time before each line.
				r = e.MustPod("logs", "-t", name)
				lines := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n")
				if len(lines) != 3 {
					t.Fatalf("logs -t: %q", r.Stdout)
				}
				var times []time.Time
				for i, want := range []string{"one", "three", "no-newline"} {
					ts, text, _ := strings.Cut(lines[i], " ")
					tm, err := time.Parse(time.RFC3339Nano, ts)
					if err != nil || text != want || time.Since(tm) > time.Hour {
						t.Errorf("logs -t line %q: %v", lines[i], err)
					}
					times = append(times, tm)
				}
				// --since/--until between "one" and "three" (2s apart).
				mid := times[0].Add(times[1].Sub(times[0]) / 2).Format(time.RFC3339Nano)
				r = e.MustPod("logs", "--since", mid, name)
				if r.Stdout != "three\nno-newline" || r.Stderr != "" {
					t.Errorf("logs --since %s: stdout %q stderr %q", mid, r.Stdout, r.Stderr)
				}
				r = e.MustPod("logs", "--until", mid, name)
				if r.Stdout != "one\n" || r.Stderr != "two\n" {
					t.Errorf("logs --until %s: stdout %q stderr %q", mid, r.Stdout, r.Stderr)
				}
				r = e.MustPod("logs", "--since", "1h", name)
				if r.Stdout != "one\nthree\nno-newline" {
					t.Errorf("logs --since 1h: %q", r.Stdout)
				}
				r = e.MustPod("logs", "--since", "2000000000", name) // 2033
				if r.Stdout != "" || r.Stderr != "" {
					t.Errorf("logs --since the future: stdout %q stderr %q", r.Stdout, r.Stderr)
				}
			})
		}

		// A container that prints nothing yet: follow ends when it exits.
		runID(t, e, "run", "-d", "--name", "late", img, "sh", "-c", "sleep 1; echo late")
		if r := e.MustPod("logs", "-f", "--tail", "5", "late"); r.Stdout != "late\n" {
			t.Errorf("logs -f late: %q", r.Stdout)
		}

		// Interrupting a follow ends it quietly.
		runID(t, e, "run", "-d", "--name", "forever", img, "sh", "-c", "echo started; sleep 1000")
		cmd := e.Command(context.Background(), "logs", "-f", "forever")
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil || line != "started\n" {
			t.Fatalf("logs -f first line %q: %v", line, err)
		}
		cmd.Process.Signal(os.Interrupt)
		if err := cmd.Wait(); err != nil || stderr.Len() != 0 {
			t.Errorf("logs -f interrupted: %v, stderr %q", err, stderr.String())
		}

		// The none driver keeps no log.
		runID(t, e, "create", "--name", "quiet", "--log-driver", "none", img, "echo", "x")
		e.Pod("logs", "quiet").Fails(t, 125, "this container is using the 'none' log driver, cannot read logs")

		e.Pod("logs", "nosuch").Fails(t, 125, "nosuch")
		e.Pod("logs", "--since", "yesterday", "late").Fails(t, 125, "yesterday")
		e.Pod("logs", "--tail", "x", "late").Fails(t, 125, "tail")
	})
}

// TestLogsSeveral prints the logs of two containers, each line prefixed
// with its container's short ID (or name with --names), as podman does.
func TestLogsSeveral(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		a := out(e.MustPod("run", "--name", "fl-la", img, "sh", "-c", "echo one; echo two"))
		_ = a
		e.MustPod("run", "--name", "fl-lb", img, "echo", "three")
		idA := out(e.MustPod("inspect", "--format", "{{.Id}}", "fl-la"))[:12]
		idB := out(e.MustPod("inspect", "--format", "{{.Id}}", "fl-lb"))[:12]
		if got := e.MustPod("logs", "fl-la", "fl-lb").Stdout; got != idA+" one\n"+idA+" two\n"+idB+" three\n" {
			t.Errorf("logs fl-la fl-lb: %q", got)
		}
		if got := e.MustPod("logs", "--names", "--tail", "1", "fl-la", "fl-lb").Stdout; got != "fl-la two\nfl-lb three\n" {
			t.Errorf("logs --names --tail 1: %q", got)
		}
		// One container: no prefix, as before.
		if got := e.MustPod("logs", "fl-lb").Stdout; got != "three\n" {
			t.Errorf("logs fl-lb: %q", got)
		}
		e.Pod("logs", "fl-la", "fl-missing").Fails(t, 125, "fl-missing")
	})
}
