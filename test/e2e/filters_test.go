package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestFilterUntilLocalTime checks that until= reads a time without a zone
// as local time (TZ) in every command, as Docker does: images and volumes
// used to read it as UTC, while ps, logs and events read it as local
// time. In Kiritimati (UTC+14, no summer time) a local wall time one hour
// ago read as UTC lies 13 hours ahead, so it would let everything through.
func TestFilterUntilLocalTime(t *testing.T) {
	const zone = "Pacific/Kiritimati"
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Skipf("no time zone data for %s: %v", zone, err)
	}
	naive := func(at time.Time) string { return at.In(loc).Format("2006-01-02T15:04:05") }
	forEachUser(t, func(t *testing.T, e *Env) {
		e.ExtraEnv = append(e.ExtraEnv, "TZ="+zone)
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		e.MustPod("volume", "create", "tzvol")
		e.MustPod("create", "--network", "none", "--name", "tzctr", img, "true")
		now := time.Now()

		// The image was built long ago: until= is relative to its creation.
		var imgs []struct {
			Id      string
			Created int64
		}
		if err := json.Unmarshal([]byte(e.MustPod("images", "--format", "json").Stdout), &imgs); err != nil || len(imgs) != 1 {
			t.Fatalf("images --format json: %v %v", imgs, err)
		}
		created, imgID := time.Unix(imgs[0].Created, 0), imgs[0].Id[:12]

		for _, tc := range []struct {
			args []string
			at   time.Time // until= this instant, written as a local wall time
			want string
		}{
			{[]string{"volume", "ls", "-q"}, now.Add(-time.Hour), ""},
			{[]string{"volume", "ls", "-q"}, now.Add(time.Hour), "tzvol"},
			{[]string{"images", "-q"}, created.Add(-time.Hour), ""},
			{[]string{"images", "-q"}, created.Add(time.Hour), imgID},
			{[]string{"ps", "-a", "--format", "{{.Names}}"}, now.Add(-time.Hour), ""},
			{[]string{"ps", "-a", "--format", "{{.Names}}"}, now.Add(time.Hour), "tzctr"},
		} {
			args := append(append([]string{}, tc.args...), "--filter", "until="+naive(tc.at))
			if got := strings.Join(e.MustPod(args...).Lines(), " "); got != tc.want {
				t.Errorf("TZ=%s pod %s: got %q, want %q", zone, strings.Join(args, " "), got, tc.want)
			}
		}
		// Prune reads it the same way: nothing was created before an hour ago.
		e.MustPod("volume", "prune", "-f", "--filter", "until="+naive(now.Add(-time.Hour)))
		e.MustPod("container", "prune", "-f", "--filter", "until="+naive(now.Add(-time.Hour)))
		if got := strings.Join(e.MustPod("volume", "ls", "-q").Lines(), " ") + "/" + strings.Join(e.MustPod("ps", "-aq").Lines(), " "); strings.HasPrefix(got, "/") || strings.HasSuffix(got, "/") {
			t.Errorf("prune --filter until=<an hour ago> removed what is newer: volumes/containers %q", got)
		}
	})
}

// TestFilterErrors checks that every command with --filter refuses an
// unknown key, a filter without a value and a bad time with one message
// form, naming the filter and listing the keys the command takes, and
// exit 125, before it does anything.
func TestFilterErrors(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		for _, tc := range []struct {
			cmd  []string
			keys string
		}{
			{[]string{"ps", "-a"}, "id, name, label, label!, status, exited, ancestor, before, since, until, restart-policy, should-start-on-boot"},
			{[]string{"container", "prune", "-f"}, "until, label, label!"},
			{[]string{"images"}, "dangling, label, reference, before, since, id, until"},
			{[]string{"image", "prune", "-f"}, "label, label!, until"},
			{[]string{"volume", "ls"}, "name, label, label!, dangling, driver, scope, opt, until"},
			{[]string{"volume", "prune", "-f"}, "label, label!, until"},
			{[]string{"network", "ls"}, "name, id, driver, label, label!, until"},
			{[]string{"network", "prune", "-f"}, "name, id, driver, label, label!, until"},
			{[]string{"events", "--stream=false"}, "container, event, image, label, network, status, type, volume"},
		} {
			run := func(filter string) *Result {
				return e.Pod(append(append([]string{}, tc.cmd...), "--filter", filter)...)
			}
			run("colour=red").Fails(t, 125, `invalid filter "colour=red": unknown key "colour" (valid filters: `+tc.keys+")")
			run("label").Fails(t, 125, `invalid filter "label": want KEY=VALUE`)
			if strings.Contains(tc.keys, "until") {
				run("until=2024-13-01").Fails(t, 125, `invalid filter "until=2024-13-01": invalid time "2024-13-01"`)
			}
		}
	})
}
