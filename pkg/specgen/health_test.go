package specgen

import (
	"slices"
	"testing"
	"time"
)

func TestHealthConfig(t *testing.T) {
	two := 2
	zero := 0
	image := &HealthConfig{Test: []string{"CMD", "check"}, Interval: 5 * time.Second, Retries: 7}
	for _, tc := range []struct {
		name  string
		opts  HealthOptions
		image *HealthConfig
		want  *HealthConfig
		bad   bool
	}{
		{name: "none at all"},
		{name: "shell", opts: HealthOptions{Cmd: "curl -f localhost || exit 1"},
			want: &HealthConfig{Test: []string{"CMD-SHELL", "curl -f localhost || exit 1"}, Interval: 30 * time.Second, Timeout: 30 * time.Second, Retries: 3}},
		{name: "json exec form", opts: HealthOptions{Cmd: `["test","-e","/ok"]`, Interval: "1s", Timeout: "2s", StartPeriod: "3s", Retries: &two, OnFailure: "kill"},
			want: &HealthConfig{Test: []string{"CMD", "test", "-e", "/ok"}, Interval: time.Second, Timeout: 2 * time.Second, StartPeriod: 3 * time.Second, Retries: 2, OnFailure: "kill"}},
		{name: "json with CMD-SHELL", opts: HealthOptions{Cmd: `["CMD-SHELL","true"]`},
			want: &HealthConfig{Test: []string{"CMD-SHELL", "true"}, Interval: 30 * time.Second, Timeout: 30 * time.Second, Retries: 3}},
		{name: "image", image: image,
			want: &HealthConfig{Test: []string{"CMD", "check"}, Interval: 5 * time.Second, Timeout: 30 * time.Second, Retries: 7}},
		{name: "flags over image", image: image, opts: HealthOptions{Interval: "1s"},
			want: &HealthConfig{Test: []string{"CMD", "check"}, Interval: time.Second, Timeout: 30 * time.Second, Retries: 7}},
		{name: "image NONE", image: &HealthConfig{Test: []string{"NONE"}}},
		{name: "no-healthcheck", image: image, opts: HealthOptions{None: true}},
		{name: "cmd none", image: image, opts: HealthOptions{Cmd: "none"}},
		{name: "bad duration", opts: HealthOptions{Cmd: "true", Interval: "soon"}, bad: true},
		{name: "bad retries", opts: HealthOptions{Cmd: "true", Retries: &zero}, bad: true},
		{name: "bad on-failure", opts: HealthOptions{Cmd: "true", OnFailure: "explode"}, bad: true},
		{name: "bad json", opts: HealthOptions{Cmd: `["x"`}, bad: true},
		{name: "conflict", opts: HealthOptions{Cmd: "true", None: true}, bad: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Healthcheck(tc.opts, tc.image)
			if tc.bad {
				if err == nil {
					t.Fatalf("got %+v, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (got == nil) != (tc.want == nil) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			if got == nil {
				return
			}
			if !slices.Equal(got.Test, tc.want.Test) || got.Interval != tc.want.Interval || got.Timeout != tc.want.Timeout ||
				got.StartPeriod != tc.want.StartPeriod || got.Retries != tc.want.Retries || got.OnFailure != tc.want.OnFailure {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
