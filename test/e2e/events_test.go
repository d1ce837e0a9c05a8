package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// event is one line of `pod events --format json`.
type event struct {
	ID                string
	Image             string
	Name              string
	Status            string
	Type              string
	Time              time.Time
	TimeNano          int64 `json:"timeNano"`
	ContainerExitCode *int
	Attributes        map[string]string
}

func events(t *testing.T, e *Env, args ...string) []event {
	t.Helper()
	r := e.MustPod(append([]string{"events", "--stream=false", "--format", "json"}, args...)...)
	var out []event
	for _, line := range r.Lines() {
		var ev event
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("events --format json printed %q: %v", line, err)
		}
		out = append(out, ev)
	}
	return out
}

func statuses(evs []event) string {
	var s []string
	for _, e := range evs {
		s = append(s, e.Status)
	}
	return strings.Join(s, " ")
}

func find(evs []event, status string) event {
	for _, e := range evs {
		if e.Status == status {
			return e
		}
	}
	return event{}
}

// unixNano prints t as a Unix time with nanoseconds, a form --since and
// --until take.
func unixNano(ns int64) string { return fmt.Sprintf("%d.%09d", ns/1e9, ns%1e9) }

func TestEventsContainerLifecycle(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		e.MustPod("tag", img, "evtag:1")
		r := e.Pod("run", "--name", "ev1", "--label", "team=blue", img, "sh", "-c", "exit 3")
		if r.Code != 3 {
			t.Fatalf("run exited %d, want 3 (stderr %q)", r.Code, r.Stderr)
		}
		e.MustPod("rm", "ev1")

		// Every step of the container, in order, with its exit code.
		evs := events(t, e, "--filter", "container=ev1")
		got := statuses(evs)
		if !regexp.MustCompile(`^create init( attach)? start died cleanup remove$`).MatchString(got) {
			t.Fatalf("events of ev1: %q, want create init start died cleanup remove", got)
		}
		id := evs[0].ID
		for _, ev := range evs {
			if ev.Type != "container" || ev.Name != "ev1" || ev.ID != id || ev.Image != img {
				t.Fatalf("event %+v: want container ev1 %s of image %s", ev, id, img)
			}
			if ev.Attributes["team"] != "blue" {
				t.Fatalf("event %s lacks the container's label: %v", ev.Status, ev.Attributes)
			}
		}
		died, start := find(evs, "died"), find(evs, "start")
		if died.ContainerExitCode == nil || *died.ContainerExitCode != 3 {
			t.Fatalf("died event exit code %v, want 3", died.ContainerExitCode)
		}

		// --since and --until bound by time, here Unix times with nanoseconds.
		if got := statuses(events(t, e, "--filter", "container=ev1", "--since", unixNano(died.TimeNano))); got != "died cleanup remove" {
			t.Fatalf("--since the died event: %q", got)
		}
		if got := statuses(events(t, e, "--filter", "container=ev1", "--until", unixNano(start.TimeNano))); !regexp.MustCompile(`^create init( attach)? start$`).MatchString(got) {
			t.Fatalf("--until the start event: %q", got)
		}
		if got := statuses(events(t, e, "--filter", "container="+id[:12], "--since", start.Time.Format(time.RFC3339Nano), "--until", died.Time.Format(time.RFC3339Nano))); !regexp.MustCompile(`^start died$`).MatchString(got) {
			t.Fatalf("--since start --until died (RFC 3339): %q", got)
		}
		if got := events(t, e, "--since", "1h", "--filter", "container=ev1"); len(got) != len(evs) {
			t.Fatalf("--since 1h: %d events, want %d", len(got), len(evs))
		}
		if got := events(t, e, "--since", "2000-01-01", "--until", "2000-01-02"); len(got) != 0 {
			t.Fatalf("events of 2000: %v", got)
		}

		// Filters: different keys must all match, one key's values are alternatives.
		if got := statuses(events(t, e, "--filter", "type=container", "--filter", "event=died", "--filter", "event=remove")); got != "died remove" {
			t.Fatalf("died or remove events: %q", got)
		}
		if got := events(t, e, "--filter", "label=team=blue", "--filter", "status=create"); len(got) != 1 || got[0].Name != "ev1" {
			t.Fatalf("label and status filters: %+v", got)
		}

		// Image events: the pull names what was asked for; tag the new name.
		imgs := events(t, e, "--filter", "type=image")
		if got := statuses(imgs); got != "pull tag" {
			t.Fatalf("image events: %q, want pull tag", got)
		}
		if imgs[0].Name != img || imgs[1].Name != "localhost/evtag:1" || imgs[0].ID != imgs[1].ID || imgs[0].ID == "" {
			t.Fatalf("image events: %+v", imgs)
		}
		if got := statuses(events(t, e, "--filter", "image=evtag:1")); got != "tag" {
			t.Fatalf("image=evtag:1: %q", got)
		}

		// The default line, as podman prints it.
		line := e.MustPod("events", "--stream=false", "--filter", "event=died").Stdout
		want := regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ [+-]\d{4} \S+ container died ` + id +
			` \(image=` + regexp.QuoteMeta(img) + `, name=ev1, containerExitCode=3, team=blue\)\n$`)
		if !want.MatchString(line) {
			t.Fatalf("default format: %q", line)
		}
		if got := e.MustPod("events", "--stream=false", "--filter", "event=died", "--format", "{{.Type}}/{{.Status}}/{{.Name}}").Stdout; got != "container/died/ev1\n" {
			t.Fatalf("template: %q", got)
		}

		e.Pod("events", "--stream=false", "--filter", "colour=red").Fails(t, 125, `unknown key "colour"`)
		e.Pod("events", "--stream=false", "--since", "yesterday").Fails(t, 125, "--since")
	})
}

// A following `pod events` prints what other pod processes do after it
// started, until it is interrupted.
func TestEventsStream(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("volume", "create", "marker")
		since := time.Now().Add(-time.Hour).Format(time.RFC3339)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := e.Command(ctx, "events", "--since", since, "--filter", "type=volume", "--filter", "type=container", "--format", "{{.Type}} {{.Status}} {{.Name}}")
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string)
		go func() {
			defer close(lines)
			s := bufio.NewScanner(stdout)
			for s.Scan() {
				lines <- s.Text()
			}
		}()
		next := func(want string) {
			t.Helper()
			for line := range lines {
				if line == want {
					return
				}
			}
			t.Fatalf("events ended before %q (stderr %q)", want, stderr.String())
		}
		// The recorded event shows it runs; what follows happens later.
		next("volume create marker")
		e.MustPod("create", "--name", "late", img, "true")
		next("container create late")
		e.MustPod("rm", "late")
		next("container remove late")

		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
		for range lines {
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("events after SIGINT: %v (stderr %q)", err, stderr.String())
		}
	})
}

// --until without --stream prints what is recorded and ends; --stream
// --until follows until then, showing only what happens after it started
// when there is no --since.
func TestEventsUntilEnds(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		e.MustPod("volume", "create", "before")
		if r := e.MustPod("events", "--until", "1s", "--format", "{{.Name}}"); r.Stdout != "before\n" {
			t.Fatalf("--until 1s: %q", r.Stdout)
		}
		if r := e.MustPod("events", "--stream", "--until", "1s", "--format", "{{.Name}}"); r.Stdout != "" {
			t.Fatalf("a stream without --since printed older events: %q", r.Stdout)
		}
		if r := e.MustPod("events", "--stream", "--since", "1h", "--until", "1s", "--format", "{{.Name}}"); r.Stdout != "before\n" {
			t.Fatalf("--stream --since 1h --until 1s: %q", r.Stdout)
		}
	})
}

func TestEventsVolumesNetworksAndMore(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("volume", "create", "evvol")
		e.MustPod("volume", "rm", "evvol")
		e.MustPod("network", "create", "evnet")
		e.MustPod("network", "rm", "evnet")
		e.MustPod("run", "-d", "--name", "evrun", img, "sleep", "1000")
		e.MustPod("rename", "evrun", "evrenamed")
		e.MustPod("kill", "evrenamed")
		e.MustPod("wait", "evrenamed")
		e.MustPod("rm", "evrenamed")

		if got := statuses(events(t, e, "--filter", "volume=evvol")); got != "create remove" {
			t.Fatalf("volume events: %q", got)
		}
		nets := events(t, e, "--filter", "network=evnet")
		if got := statuses(nets); got != "create remove" || nets[0].Type != "network" || nets[0].Name != "evnet" {
			t.Fatalf("network events: %+v", nets)
		}
		evs := events(t, e, "--filter", "event=rename", "--filter", "event=kill")
		if got := statuses(evs); got != "rename kill" || evs[0].Name != "evrenamed" || evs[1].Attributes["signal"] != "SIGKILL" {
			t.Fatalf("rename and kill events: %+v", evs)
		}
		died := events(t, e, "--filter", "container=evrenamed", "--filter", "event=died")
		if len(died) != 1 || died[0].ContainerExitCode == nil || *died[0].ContainerExitCode != 137 {
			t.Fatalf("died after kill: %+v", died)
		}

		e.MustPod("network", "create", "evnet2")
		// On the default bridge: rootless, the default is slirp4netns,
		// which (as podman's) cannot be connected to networks.
		id := strings.TrimSpace(e.MustPod("create", "--name", "netc", "--network", "podman", img, "true").Stdout)
		e.MustPod("network", "connect", "evnet2", "netc")
		e.MustPod("network", "disconnect", "evnet2", "netc")
		conns := events(t, e, "--filter", "network=evnet2", "--filter", "event=connect", "--filter", "event=disconnect")
		if got := statuses(conns); got != "connect disconnect" || conns[0].ID != id || conns[0].Attributes["container"] != id {
			t.Fatalf("connect and disconnect events: %+v", conns)
		}
		line := e.MustPod("events", "--stream=false", "--filter", "event=connect").Stdout
		if !strings.HasSuffix(line, " network connect "+id+" (container="+id+", name=evnet2)\n") {
			t.Fatalf("connect line: %q", line)
		}
		e.MustPod("rm", "netc")
	})
}

// TestEventsNoTrunc: events print full IDs by default, as podman does;
// --no-trunc=false shortens them to 12 characters.
func TestEventsNoTrunc(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		id := out(e.MustPod("create", "--name", "fl-ev", img, "true"))
		full := e.MustPod("events", "--stream=false", "--filter", "container=fl-ev").Stdout
		short := e.MustPod("events", "--stream=false", "--no-trunc=false", "--filter", "container=fl-ev").Stdout
		if !strings.Contains(full, " "+id+" ") {
			t.Errorf("events: no full ID %s in %q", id, full)
		}
		if strings.Contains(short, id) || !strings.Contains(short, " "+id[:12]+" ") {
			t.Errorf("events --no-trunc=false: %q, want the ID as %s", short, id[:12])
		}
	})
}
