package runlabel

import (
	"reflect"
	"testing"
)

func TestCommand(t *testing.T) {
	env := map[string]string{"OPT1": "-v", "HOME": "/home/x"}
	o := Options{Image: "localhost:5000/team/web:1.0", Pwd: "/work", Exe: "/usr/bin/pod",
		GlobalArgs: []string{"--root", "/r"}, Getenv: func(k string) string { return env[k] }}
	tests := []struct {
		label string
		name  string
		args  []string
		want  []string
	}{
		{"podman run --name NAME IMAGE", "", nil,
			[]string{"/usr/bin/pod", "--root", "/r", "run", "--name", "web", "localhost:5000/team/web:1.0"}},
		{"/usr/bin/docker run -e NAME=${NAME} -e IMAGE=$IMAGE --name $NAME ${IMAGE} echo hi", "app", []string{"a b", "c"},
			[]string{"/usr/bin/pod", "--root", "/r", "run", "-e", "NAME=app", "-e", "IMAGE=localhost:5000/team/web:1.0", "--name", "app", "localhost:5000/team/web:1.0", "echo", "hi", "a b", "c"}},
		{`/bin/sh -c "echo $PWD ${OPT1} $HOME $$"`, "", nil,
			[]string{"/bin/sh", "-c", "echo /work -v $HOME $$"}},
		{"env IMAGENAME NAMES", "", nil, []string{"env", "IMAGENAME", "NAMES"}},
	}
	for _, tt := range tests {
		t.Run(tt.label, func(t *testing.T) {
			o := o
			o.Name = tt.name
			got, err := Command(tt.label, tt.args, o)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
	if _, err := Command("  ", nil, o); err == nil {
		t.Error("an empty label was accepted")
	}
}

func TestBaseNameAndContainerName(t *testing.T) {
	for in, want := range map[string]string{"busybox": "busybox", "docker.io/library/busybox:latest": "busybox",
		"localhost:5000/a/b@sha256:00": "b", "reg:5000/x:1": "x"} {
		if got := BaseName(in); got != want {
			t.Errorf("BaseName(%q) = %q, want %q", in, got, want)
		}
	}
	if n := ContainerName([]string{"run", "--name=x", "img"}); n != "x" {
		t.Errorf("got %q", n)
	}
	if n := ContainerName([]string{"run", "--name", "y", "img"}); n != "y" {
		t.Errorf("got %q", n)
	}
}
