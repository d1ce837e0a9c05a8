package engine

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/state"
)

func testContainers() []*Container {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	mk := func(id, name, image string, st state.Status, code int, age int, labels map[string]string) *Container {
		return &Container{Container: &state.Container{
			ID: id, Name: name, ImageName: image, ImageID: "f00d" + id, Status: st, ExitCode: code,
			CreatedAt: t0.Add(time.Duration(age) * time.Minute), Labels: labels,
		}, Config: &ContainerConfig{}}
	}
	return []*Container{
		mk("aaaa1111", "web", "localhost/busybox:latest", state.StatusRunning, 0, 3, map[string]string{"app": "web", "tier": "front"}),
		mk("bbbb2222", "db", "localhost/alpine:3.19", state.StatusExited, 3, 2, map[string]string{"app": "db"}),
		mk("cccc3333", "web-old", "localhost/busybox:latest", state.StatusCreated, 0, 1, nil),
	}
}

func TestContainerFilter(t *testing.T) {
	now := time.Date(2024, 1, 1, 0, 2, 30, 0, time.UTC)
	tests := []struct {
		filters []string
		want    []string
	}{
		{nil, []string{"web", "db", "web-old"}},
		{[]string{"id=bbbb"}, []string{"db"}},
		{[]string{"id=aaaa", "id=cccc"}, []string{"web", "web-old"}},
		{[]string{"name=web"}, []string{"web", "web-old"}},
		{[]string{"name=^web$"}, []string{"web"}},
		{[]string{"label=app"}, []string{"web", "db"}},
		{[]string{"label=app=db"}, []string{"db"}},
		{[]string{"label=app", "label=tier=front"}, []string{"web"}},
		{[]string{"label!=app"}, []string{"web-old"}},
		{[]string{"status=exited"}, []string{"db"}},
		{[]string{"status=running", "status=created"}, []string{"web", "web-old"}},
		{[]string{"exited=3"}, []string{"db"}},
		{[]string{"exited=0"}, nil},
		{[]string{"ancestor=busybox"}, []string{"web", "web-old"}},
		{[]string{"ancestor=localhost/alpine"}, []string{"db"}},
		{[]string{"ancestor=alpine:3.19"}, []string{"db"}},
		{[]string{"ancestor=f00dbbbb"}, []string{"db"}},
		{[]string{"before=db"}, []string{"web-old"}},
		{[]string{"since=db"}, []string{"web"}},
		{[]string{"since=cccc"}, []string{"web", "db"}},
		{[]string{"until=2024-01-01T00:02:30Z"}, []string{"db", "web-old"}},
		{[]string{"name=web", "status=running"}, []string{"web"}},
		// Values of one key are alternatives: before either, since either.
		{[]string{"before=db", "before=web"}, []string{"db", "web-old"}},
		{[]string{"since=db", "since=web-old"}, []string{"web", "db"}},
		{[]string{"since=web-old", "before=web"}, []string{"db"}},
		{[]string{"until=2024-01-01T00:01:30Z", "until=2024-01-01T00:02:30Z"}, []string{"db", "web-old"}},
		{[]string{"label!=app", "label!=tier"}, []string{"web-old"}},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.filters, " "), func(t *testing.T) {
			f, err := ParseContainerFilter(tc.filters, now)
			if err != nil {
				t.Fatal(err)
			}
			all := testContainers()
			if err := f.resolve(all); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range all {
				if f.Match(c) {
					got = append(got, c.Name)
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestShouldStartOnBoot: what pod-restart.service starts after a boot.
func TestShouldStartOnBoot(t *testing.T) {
	var all []*Container
	for _, c := range []struct {
		name, policy string
		byUser       bool
	}{{"always", "always", false}, {"always-stopped", "always", true}, {"unless", "unless-stopped", false},
		{"unless-stopped", "unless-stopped", true}, {"no", "", false}, {"failure", "on-failure", false}} {
		ctr := &Container{Container: &state.Container{ID: c.name, Name: c.name, Status: state.StatusExited, StoppedByUser: c.byUser},
			Config: &ContainerConfig{}}
		ctr.Config.RestartPolicy.Name = c.policy
		all = append(all, ctr)
	}
	for v, want := range map[string]string{"true": "always,always-stopped,unless", "false": "unless-stopped,no,failure"} {
		f, err := ParseContainerFilter([]string{"should-start-on-boot=" + v}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range all {
			if f.Match(c) {
				got = append(got, c.Name)
			}
		}
		if strings.Join(got, ",") != want {
			t.Errorf("should-start-on-boot=%s: %v, want %s", v, got, want)
		}
	}
}

func TestContainerFilterErrors(t *testing.T) {
	for _, bad := range []string{"should-start-on-boot=yes", "nokey", "color=red", "status=sleeping", "exited=x", "name=(", "until=yesterday", "label==x"} {
		t.Run(bad, func(t *testing.T) {
			if _, err := ParseContainerFilter([]string{bad}, time.Now()); !errors.Is(err, errdefs.ErrInvalidArg) || !strings.Contains(err.Error(), bad) {
				t.Fatalf("err %v, want invalid argument naming %q", err, bad)
			}
		})
	}
	f, _ := ParseContainerFilter([]string{"before=nosuch"}, time.Now())
	if err := f.resolve(testContainers()); err == nil {
		t.Fatal("before= an unknown container: no error")
	}
}

func TestPruneFilter(t *testing.T) {
	now := time.Date(2024, 1, 1, 0, 2, 30, 0, time.UTC)
	tests := []struct {
		filters []string
		want    []string
	}{
		{nil, []string{"web", "db", "web-old"}},
		{[]string{"until=2024-01-01T00:01:30Z"}, []string{"web-old"}},
		{[]string{"until=1m"}, []string{"web-old"}},
		{[]string{"label=app"}, []string{"web", "db"}},
		{[]string{"label!=app=db"}, []string{"web", "web-old"}},
		{[]string{"until=1m", "label=app"}, nil},
		{[]string{"until=1m", "until=2024-01-01T00:02:30Z"}, []string{"db", "web-old"}}, // alternatives
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.filters, " "), func(t *testing.T) {
			f, err := ParsePruneFilter(tc.filters, now)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range testContainers() {
				if f.match(c) {
					got = append(got, c.Name)
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	for _, bad := range []string{"status=exited", "until=soon", "label", "before=web"} {
		if _, err := ParsePruneFilter([]string{bad}, now); !errors.Is(err, errdefs.ErrInvalidArg) {
			t.Errorf("%s: err %v, want invalid argument", bad, err)
		}
	}
}
