package e2e

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// journalSocket is where systemd-journald listens.
const journalSocket = "/run/systemd/journal/socket"

// haveJournal says whether journald listens on this host.
func haveJournal() bool {
	c, err := net.Dial("unixgram", journalSocket)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// journalctl runs journalctl as e's user (the rootless user reads the
// journal files the user may read: their own).
func journalctl(t *testing.T, e *Env, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "journalctl", append([]string{"--no-pager", "--quiet"}, args...)...)
	if e.Rootless() && os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(e.uid), Gid: uint32(e.gid), Groups: []uint32{}}}
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("journalctl %v: %v\n%s", args, err, errb.String())
	}
	return out.String()
}

// TestJournaldAbsent: on a host without journald (the build hosts),
// --log-driver journald is refused at create with one clear line, while
// containers.conf's log_driver = "journald" and --events-backend journald
// fall back to a file with a warning, as podman does.
func TestJournaldAbsent(t *testing.T) {
	if haveJournal() {
		t.Skip("journald runs here: TestJournald covers it")
	}
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		e.Pod("create", "--name", "jd", "--log-driver", "journald", img, "true").
			Fails(t, 125, "log driver journald: this host has no systemd journal")
		if e.Pod("container", "exists", "jd").Code == 0 {
			t.Error("a refused create left the container")
		}

		confEnv(t, e, "containers.conf", "[containers]\nlog_driver = \"journald\"\n[engine]\nevents_logger = \"journald\"\n")
		r := e.MustPod("run", "--name", "conf", img, "echo", "hello")
		if r.Stdout != "hello\n" || !strings.Contains(r.Stderr, "log_driver is journald, but this host has no systemd journal: using k8s-file") ||
			!strings.Contains(r.Stderr, "events backend journald: this host has no systemd journal") {
			t.Errorf("run under a journald containers.conf: stdout %q stderr %q", r.Stdout, r.Stderr)
		}
		if got := e.MustPod("inspect", "-f", "{{.HostConfig.LogConfig.Type}}", "conf").Stdout; got != "k8s-file\n" {
			t.Errorf("log driver after the fallback: %q", got)
		}
		if got := e.MustPod("logs", "conf").Stdout; got != "hello\n" {
			t.Errorf("logs after the fallback: %q", got)
		}
		// The events went to the file backend, where pod events reads them.
		if got := e.MustPod("--events-backend", "journald", "events", "--stream=false", "--filter", "container=conf", "--filter", "event=start", "--format", "{{.Name}}").Stdout; got != "conf\n" {
			t.Errorf("events after the fallback: %q", got)
		}
	})
}

// TestJournald, under the VM's journald, as root and as the user (whose
// entries go to their own journal file, which the user reads): run with
// --log-driver journald, logs (plain, -f, --tail, -t, --since), journalctl
// CONTAINER_NAME= showing the lines with conmon's fields, and events via
// --events-backend journald read back by pod events.
func TestJournald(t *testing.T) {
	if !haveJournal() {
		t.Skip("no journald on this host; runs in the VM (make vm-test)")
	}
	if _, err := os.Stat("/var/log/journal"); err != nil {
		// A volatile journal is one file for everyone: a user then reads
		// their own entries only as a member of systemd-journal or adm.
		t.Logf("no persistent journal (%v)", err)
	}
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		// Events to the journal from every pod process, the monitor's
		// cleanup included, as a user configures it: whichever process
		// notices the exit first records "died".
		confEnv(t, e, "containers.conf", "[engine]\nevents_logger = \"journald\"\n")
		name := "jd-" + e.Name + "-" + strings.ToLower(time.Now().Format("150405.000"))
		name = strings.ReplaceAll(name, ".", "")
		id := strings.TrimSpace(e.MustPod("run", "-d", "--name", name,
			"--log-driver", "journald", "--log-opt", "tag={{.Name}}-tag", img,
			"sh", "-c", "echo one; echo two >&2; sleep 2; echo three; printf no-newline").Stdout)
		r := e.MustPod("logs", "-f", name)
		if r.Stdout != "one\nthree\nno-newline" || r.Stderr != "two\n" {
			t.Fatalf("logs -f: stdout %q stderr %q", r.Stdout, r.Stderr)
		}
		if got := e.MustPod("inspect", "-f", "{{.State.Status}} {{.HostConfig.LogConfig.Type}} [{{.LogPath}}]", name).Stdout; got != "exited journald []\n" {
			t.Errorf("inspect after logs -f: %q", got)
		}
		r = e.MustPod("logs", name)
		if r.Stdout != "one\nthree\nno-newline" || r.Stderr != "two\n" {
			t.Errorf("logs: stdout %q stderr %q", r.Stdout, r.Stderr)
		}
		if r = e.MustPod("logs", "--tail", "2", name); r.Stdout != "three\nno-newline" || r.Stderr != "" {
			t.Errorf("logs --tail 2: stdout %q stderr %q", r.Stdout, r.Stderr)
		}
		r = e.MustPod("logs", "-t", name)
		lines := strings.Split(r.Stdout, "\n")
		ts, text, _ := strings.Cut(lines[0], " ")
		first, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil || text != "one" {
			t.Fatalf("logs -t: %q", r.Stdout)
		}
		if r = e.MustPod("logs", "--since", first.Add(time.Second).Format(time.RFC3339Nano), name); r.Stdout != "three\nno-newline" {
			t.Errorf("logs --since: %q", r.Stdout)
		}

		// journalctl finds the lines by conmon's fields, as the user.
		j := journalctl(t, e, "-o", "json", "CONTAINER_NAME="+name)
		for _, want := range []string{`"MESSAGE":"one"`, `"MESSAGE":"two"`, `"CONTAINER_ID_FULL":"` + id + `"`,
			`"CONTAINER_ID":"` + id[:12] + `"`, `"CONTAINER_TAG":"` + name + `-tag"`, `"SYSLOG_IDENTIFIER":"` + name + `-tag"`,
			`"CONTAINER_PARTIAL_MESSAGE":"true"`} {
			if !strings.Contains(j, want) {
				t.Errorf("journalctl CONTAINER_NAME=%s lacks %s:\n%s", name, want, j)
			}
		}
		if got := journalctl(t, e, "-o", "cat", "CONTAINER_NAME="+name, "PRIORITY=3"); got != "two\n" {
			t.Errorf("stderr lines (PRIORITY=3): %q", got)
		}

		// Events in the journal: pod events reads them back, filtered.
		if got := e.MustPod("info", "--format", "{{.Host.EventLogger}}").Stdout; got != "journald\n" {
			t.Errorf("info's event logger: %q", got)
		}
		got := e.MustPod("events", "--stream=false", "--since", "5m",
			"--filter", "container="+name, "--format", "{{.Type}} {{.Status}} {{.Name}} {{.ContainerExitCode}}").Stdout
		for _, want := range []string{"container create " + name, "container start " + name, "container died " + name + " 0"} {
			if !strings.Contains(got, want) {
				t.Errorf("events from the journal lack %q:\n%s", want, got)
			}
		}
		if j := journalctl(t, e, "-o", "cat", "SYSLOG_IDENTIFIER=pod", "PODMAN_NAME="+name, "PODMAN_EVENT=start"); !strings.Contains(j, "container start "+id) {
			t.Errorf("journalctl PODMAN_EVENT=start: %q", j)
		}
		e.MustPod("rm", name)
	})
}
