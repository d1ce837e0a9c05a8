package system

import (
	"bytes"
	"testing"
	"time"

	"github.com/pod-engine/pod/pkg/engine"
)

func TestHumanEvent(t *testing.T) {
	at := time.Date(2024, 1, 1, 12, 0, 0, 123456789, time.UTC)
	code := 2
	tests := []struct {
		name string
		e    engine.Event
		want string
	}{
		{"container", engine.Event{Time: at, Type: "container", Status: "start", ID: "3f2a", Image: "docker.io/library/alpine:latest", Name: "web",
			Attributes: map[string]string{"image": "docker.io/library/alpine:latest", "name": "web", "tier": "front", "app": "shop"}},
			"2024-01-01 12:00:00.123456789 +0000 UTC container start 3f2a (image=docker.io/library/alpine:latest, name=web, app=shop, tier=front)"},
		{"died", engine.Event{Time: at, Type: "container", Status: "died", ID: "3f2a", Image: "bb", Name: "web", ContainerExitCode: &code,
			Attributes: map[string]string{"containerExitCode": "2"}},
			"2024-01-01 12:00:00.123456789 +0000 UTC container died 3f2a (image=bb, name=web, containerExitCode=2)"},
		{"image", engine.Event{Time: at, Type: "image", Status: "pull", ID: "abcd", Name: "alpine"},
			"2024-01-01 12:00:00.123456789 +0000 UTC image pull abcd alpine"},
		{"volume", engine.Event{Time: at, Type: "volume", Status: "create", ID: "data", Name: "data"},
			"2024-01-01 12:00:00.123456789 +0000 UTC volume create data"},
		{"network", engine.Event{Time: at, Type: "network", Status: "create", ID: "9e9e", Name: "front", Network: "front"},
			"2024-01-01 12:00:00.123456789 +0000 UTC network create 9e9e (name=front)"},
		{"connect", engine.Event{Time: at, Type: "network", Status: "connect", ID: "3f2a", Network: "front", Attributes: map[string]string{"container": "3f2a"}},
			"2024-01-01 12:00:00.123456789 +0000 UTC network connect 3f2a (container=3f2a, name=front)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := humanEvent(&tt.e); got != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestEventWriterFormats(t *testing.T) {
	e := &engine.Event{Time: time.Unix(1700000000, 5).UTC(), TimeNano: 1700000000000000005, Type: "image", Status: "tag", ID: "abcd", Name: "x:1"}
	tests := []struct{ format, want string }{
		{"json", `{"ID":"abcd","Name":"x:1","Status":"tag","Time":"2023-11-14T22:13:20.000000005Z","timeNano":1700000000000000005,"Type":"image"}` + "\n"},
		{"{{.Type}} {{.Status}} {{.Action}} {{.Name}}", "image tag tag x:1\n"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		w, err := eventWriter(&buf, tt.format)
		if err != nil {
			t.Fatal(err)
		}
		if err := w(e); err != nil {
			t.Fatal(err)
		}
		if buf.String() != tt.want {
			t.Errorf("format %q: got %q, want %q", tt.format, buf.String(), tt.want)
		}
	}
	if _, err := eventWriter(&bytes.Buffer{}, "{{.Nope"); err == nil {
		t.Error("a broken template was accepted")
	}
}

func TestParseUntil(t *testing.T) {
	now := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"10s", now.Add(10 * time.Second)}, // podman: a duration reaches forward
		{"1700000000", time.Unix(1700000000, 0)},
		{"2024-01-01T13:00:00Z", now.Add(time.Hour)},
	}
	for _, tt := range tests {
		got, err := parseUntil(tt.in, now)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("parseUntil(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	if _, err := parseUntil("soon", now); err == nil {
		t.Error(`parseUntil("soon") succeeded`)
	}
}
