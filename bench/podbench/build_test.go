package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/pod-engine/pod/pkg/build"
)

// The scenario is "a 6-step Dockerfile": FROM the registry's busybox, then
// RUN, COPY, ENV, RUN, CMD, as a Dockerfile parser reads it.
func TestBuildDockerfileSteps(t *testing.T) {
	base := "127.0.0.1:5000/busybox:latest"
	df, err := build.ParseDockerfile("Dockerfile", strings.NewReader(buildDockerfile(base)))
	if err != nil {
		t.Fatal(err)
	}
	if len(df.Stages) != 1 || df.Stages[0].BaseName != base {
		t.Fatalf("stages %+v, want one FROM %s", df.Stages, base)
	}
	var steps []string
	for _, c := range df.Stages[0].Commands {
		steps = append(steps, strings.ToLower(c.Name()))
	}
	if want := []string{"run", "copy", "env", "run", "cmd"}; !slices.Equal(steps, want) {
		t.Fatalf("steps after FROM %v, want %v", steps, want)
	}
}

// Cold and cached builds differ only in --no-cache: the same context, tag
// and pull policy for both engines.
func TestBuildArgs(t *testing.T) {
	cold, cached := buildArgs("/ctx", true), buildArgs("/ctx", false)
	if cold[0] != "build" || cold[len(cold)-1] != "/ctx" || cached[len(cached)-1] != "/ctx" {
		t.Fatalf("cold %v, cached %v: want build ... /ctx", cold, cached)
	}
	if !slices.Contains(cold, "--no-cache") || slices.Contains(cached, "--no-cache") {
		t.Fatalf("cold %v, cached %v: only the cold build has --no-cache", cold, cached)
	}
	without := slices.DeleteFunc(slices.Clone(cold), func(a string) bool { return a == "--no-cache" })
	if !slices.Equal(without, cached) {
		t.Fatalf("cold without --no-cache %v, want the cached build's %v", without, cached)
	}
	if !slices.Contains(cached, buildTag) || !slices.Contains(cached, "--pull=missing") {
		t.Fatalf("cached %v: want the tag %s and --pull=missing", cached, buildTag)
	}
}
