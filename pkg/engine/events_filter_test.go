package engine

import (
	"errors"
	"strings"
	"testing"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func TestEventFilters(t *testing.T) {
	code := 3
	evs := map[string]*Event{
		"ctr-start": {Type: EventTypeContainer, Status: "start", ID: "3f2a9c", Name: "web", Image: "docker.io/library/alpine:latest",
			Attributes: map[string]string{"image": "docker.io/library/alpine:latest", "name": "web", "app": "shop"}},
		"ctr-died": {Type: EventTypeContainer, Status: "died", ID: "77aa01", Name: "db", Image: "localhost/bb:1.0",
			ContainerExitCode: &code, Attributes: map[string]string{"image": "localhost/bb:1.0", "name": "db"}},
		"img-pull":  {Type: EventTypeImage, Status: "pull", ID: "sha256:abcdef", Name: "docker.io/library/alpine:latest"},
		"img-tag":   {Type: EventTypeImage, Status: "tag", ID: "sha256:123456", Name: "localhost/bb:1.0"},
		"vol-new":   {Type: EventTypeVolume, Status: "create", ID: "data", Name: "data"},
		"net-new":   {Type: EventTypeNetwork, Status: "create", ID: "9e9e", Name: "front", Network: "front"},
		"net-conn":  {Type: EventTypeNetwork, Status: "connect", ID: "3f2a9c", Name: "web", Network: "front", Attributes: map[string]string{"container": "3f2a9c", "name": "front"}},
		"vol-other": {Type: EventTypeVolume, Status: "remove", ID: "web", Name: "web"},
	}
	order := []string{"ctr-start", "ctr-died", "img-pull", "img-tag", "vol-new", "net-new", "net-conn", "vol-other"}
	tests := []struct {
		filters []string
		want    []string
	}{
		{nil, order},
		{[]string{"container=web"}, []string{"ctr-start"}},
		{[]string{"container=77a"}, []string{"ctr-died"}},
		{[]string{"container=web", "container=db"}, []string{"ctr-start", "ctr-died"}},
		{[]string{"event=create"}, []string{"vol-new", "net-new"}},
		{[]string{"status=died"}, []string{"ctr-died"}},
		{[]string{"event=die"}, []string{"ctr-died"}},
		{[]string{"event=create", "type=volume"}, []string{"vol-new"}},
		{[]string{"type=container", "type=image"}, []string{"ctr-start", "ctr-died", "img-pull", "img-tag"}},
		{[]string{"image=alpine"}, []string{"ctr-start", "img-pull"}},
		{[]string{"image=alpine:latest"}, []string{"ctr-start", "img-pull"}},
		{[]string{"image=docker.io/library/alpine"}, []string{"ctr-start", "img-pull"}},
		{[]string{"image=bb:1.0"}, []string{"ctr-died", "img-tag"}},
		{[]string{"image=bb:2.0"}, nil},
		{[]string{"image=sha256:1234"}, []string{"img-tag"}},
		{[]string{"label=app"}, []string{"ctr-start"}},
		{[]string{"label=app=shop"}, []string{"ctr-start"}},
		{[]string{"label=app=other"}, nil},
		{[]string{"label=app", "label=name=web"}, []string{"ctr-start"}},
		{[]string{"label=app", "label=name=db"}, nil}, // every label= must hold
		{[]string{"volume=data"}, []string{"vol-new"}},
		{[]string{"volume=web"}, []string{"vol-other"}},
		{[]string{"network=front"}, []string{"net-new", "net-conn"}},
		{[]string{"network=9e9"}, []string{"net-new"}},
		{[]string{"network=front", "event=connect"}, []string{"net-conn"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.filters, ","), func(t *testing.T) {
			match, err := compileEventFilters(tt.filters)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, k := range order {
				if match(evs[k]) {
					got = append(got, k)
				}
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
	for _, bad := range [][]string{{"container"}, {"container="}, {"bogus=1"}, {"type=pod-ish"}, {"since=1h"}, {"label==x"}} {
		if _, err := compileEventFilters(bad); !errors.Is(err, errdefs.ErrInvalidArg) {
			t.Errorf("filters %v: err %v, want invalid argument", bad, err)
		}
	}
}

func TestImageRefMatches(t *testing.T) {
	tests := []struct {
		ref, name string
		want      bool
	}{
		{"docker.io/library/alpine:latest", "alpine", true},
		{"docker.io/library/alpine:latest", "library/alpine", true},
		{"docker.io/library/alpine:3.19", "alpine", true},
		{"docker.io/library/alpine:3.19", "alpine:3.19", true},
		{"docker.io/library/alpine:3.19", "alpine:latest", false},
		{"localhost:5000/team/app:v1", "team/app", true},
		{"localhost:5000/team/app:v1", "app", false},
		{"localhost/bb", "bb:latest", true},
		{"quay.io/x/y:1", "quay.io/x/y:1", true},
		{"", "alpine", false},
	}
	for _, tt := range tests {
		if got := imageRefMatches(tt.ref, tt.name); got != tt.want {
			t.Errorf("imageRefMatches(%q, %q) = %v, want %v", tt.ref, tt.name, got, tt.want)
		}
	}
}
