package storage

import (
	"errors"
	"reflect"
	"testing"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func TestParseChanges(t *testing.T) {
	tests := []struct {
		name    string
		changes []string
		want    v1.ImageConfig
	}{
		{"cmd json", []string{`CMD ["sh", "-c", "echo hi"]`}, v1.ImageConfig{Cmd: []string{"sh", "-c", "echo hi"}}},
		{"cmd shell", []string{`CMD echo "hello world"`}, v1.ImageConfig{Cmd: []string{"/bin/sh", "-c", `echo "hello world"`}}},
		{"cmd invalid json is shell", []string{`CMD [oops`}, v1.ImageConfig{Cmd: []string{"/bin/sh", "-c", "[oops"}}},
		{"cmd empty json", []string{`CMD []`}, v1.ImageConfig{Cmd: []string{}}},
		{"podman = form", []string{`CMD=/bin/true`}, v1.ImageConfig{Cmd: []string{"/bin/sh", "-c", "/bin/true"}}},
		{"lower case instruction", []string{`entrypoint ["/bin/busybox"]`}, v1.ImageConfig{Entrypoint: []string{"/bin/busybox"}}},
		{"env pairs", []string{`ENV A=1 B="two words" C='x y' D=a\ b`}, v1.ImageConfig{Env: []string{"A=1", "B=two words", "C=x y", "D=a b"}}},
		{"env legacy", []string{`ENV GREETING hello there "friend"`}, v1.ImageConfig{Env: []string{"GREETING=hello there friend"}}},
		{"env replaces", []string{"ENV A=1", "ENV A=2 B=3"}, v1.ImageConfig{Env: []string{"A=2", "B=3"}}},
		{"env empty value", []string{"ENV A="}, v1.ImageConfig{Env: []string{"A="}}},
		{"label", []string{`LABEL org.example.a=1 "b c"="d e"`}, v1.ImageConfig{Labels: map[string]string{"org.example.a": "1", "b c": "d e"}}},
		{"workdir relative", []string{"WORKDIR /a", "WORKDIR b/../c"}, v1.ImageConfig{WorkingDir: "/a/c"}},
		{"workdir first relative", []string{"WORKDIR data"}, v1.ImageConfig{WorkingDir: "/data"}},
		{"user", []string{"USER 1000:1000"}, v1.ImageConfig{User: "1000:1000"}},
		{"expose", []string{"EXPOSE 80 53/udp 8000-8001/TCP"}, v1.ImageConfig{ExposedPorts: map[string]struct{}{"80/tcp": {}, "53/udp": {}, "8000/tcp": {}, "8001/tcp": {}}}},
		{"volume json", []string{`VOLUME ["/data", "/logs"]`}, v1.ImageConfig{Volumes: map[string]struct{}{"/data": {}, "/logs": {}}}},
		{"volume shell", []string{`VOLUME /data /logs`}, v1.ImageConfig{Volumes: map[string]struct{}{"/data": {}, "/logs": {}}}},
		{"stopsignal", []string{"STOPSIGNAL SIGINT"}, v1.ImageConfig{StopSignal: "SIGINT"}},
		{"none", nil, v1.ImageConfig{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseChanges(tt.changes)
			if err != nil {
				t.Fatalf("ParseChanges(%q): %v", tt.changes, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseChanges(%q) = %+v, want %+v", tt.changes, got, tt.want)
			}
		})
	}
}

func TestParseChangesErrors(t *testing.T) {
	for _, c := range []string{
		"FROM busybox",
		"RUN echo hi",
		"ONBUILD RUN true",
		"LABEL novalue",
		"LABEL =x",
		"ENV",
		"ENV A",
		`ENV A="unterminated`,
		"EXPOSE",
		"EXPOSE 0",
		"EXPOSE 70000",
		"EXPOSE 80/icmp",
		"EXPOSE 90-80",
		"USER",
		"USER a b",
		"WORKDIR",
		"VOLUME",
		"",
	} {
		t.Run(c, func(t *testing.T) {
			_, err := ParseChanges([]string{c})
			if !errors.Is(err, errdefs.ErrInvalidArg) {
				t.Fatalf("ParseChanges(%q) = %v, want an invalid-argument error", c, err)
			}
		})
	}
}
