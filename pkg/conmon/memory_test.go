package conmon_test

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pod-engine/pod/pkg/conmon"
)

// smaps reads the memory figures (kB) of a process from smaps_rollup.
func smaps(t *testing.T, pid int) map[string]int {
	t.Helper()
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "smaps_rollup"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		if n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB")); err == nil {
			out[k] = n
		}
	}
	return out
}

// TestMonitorMemory measures the monitor of a container that has run for
// a while with an attach client feeding its stdin, and, when Debian's
// conmon is installed, conmon with a like container. One monitor runs per
// container: its RSS must stay in conmon's range.
func TestMonitorMemory(t *testing.T) {
	c := newCtr(t, "cat")
	c.cfg.Stdin, c.cfg.StdinOnce = true, true
	st := c.start()
	ctx := context.Background()
	conn, err := conmon.Dial(ctx, c.cfg.AttachSocket)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c.runc("start")
	pr, pw := io.Pipe()
	echoed := &waitWriter{want: "line 99\n", ch: make(chan struct{})}
	done := make(chan error, 1)
	go func() { done <- conn.Copy(ctx, pr, echoed, nil) }()
	for i := 0; i < 100; i++ {
		io.WriteString(pw, "line "+strconv.Itoa(i)+"\n")
	}
	<-echoed.ch
	mem := smaps(t, st.MonitorPID)
	t.Logf("pod-conmon: Rss %d kB, Pss %d kB, Pss_Anon %d kB, Pss_File %d kB",
		mem["Rss"], mem["Pss"], mem["Pss_Anon"], mem["Pss_File"])
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	c.wait(st)
	// A generous bound: a monitor linking encoding/json, fmt and os/signal
	// measured 3 MB; the C conmon 2.1 to 2.2 MB.
	if mem["Rss"] > 2600 {
		t.Errorf("pod-conmon RSS %d kB, want at most 2600 kB", mem["Rss"])
	}

	if _, err := os.Stat("/usr/bin/conmon"); err != nil {
		return
	}
	k := newCtr(t, "sh", "-c", "echo tick; exec sleep 1000")
	pidFile := filepath.Join(k.dir, "conmon.pid")
	cmd := exec.Command("/usr/bin/conmon", "--api-version", "1", "-c", k.id, "-u", k.id, "-n", k.id,
		"-r", "/usr/bin/runc", "--runtime-arg", "--root", "--runtime-arg", k.runcRoot,
		"-b", filepath.Join(k.dir, "bundle"), "-p", k.cfg.PidFile, "-P", pidFile,
		"-l", "k8s-file:"+k.cfg.LogPath, "--exit-dir", k.dir, "--socket-dir-path", k.dir, "--log-level", "error")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("conmon: %v: %s", err, out)
	}
	// conmon's parent returns before the runtime's create is done.
	deadline := time.Now().Add(time.Minute)
	for {
		if out, _ := exec.Command("runc", "--root", k.runcRoot, "state", k.id).Output(); strings.Contains(string(out), `"created"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("conmon did not create the container")
		}
		time.Sleep(20 * time.Millisecond)
	}
	k.runc("start")
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	cpid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	for !strings.Contains(readOr(k.cfg.LogPath), "tick") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cm := smaps(t, cpid)
	t.Logf("conmon:     Rss %d kB, Pss %d kB, Pss_Anon %d kB, Pss_File %d kB",
		cm["Rss"], cm["Pss"], cm["Pss_Anon"], cm["Pss_File"])
	k.runc("kill", "KILL")
}

func readOr(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}
